export { Rclone, RcloneError, type ListedFile, type RcloneRemote } from './rclone';
