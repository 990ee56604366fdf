export { Rclone, RcloneError, type ListedFile, type RcloneRemote } from './rclone';
export { obscure } from './obscure';
