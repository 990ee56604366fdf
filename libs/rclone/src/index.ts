export { IncompleteListingError, isNotFound, LISTING_ARGS, LISTING_GC, Rclone, RcloneError, RcloneStalledError, type FileCopied, type FileCopy, type ListedFile, type RcloneOptions, type RcloneRemote } from './rclone';
export { localName } from './names';
export { obscure } from './obscure';
export {
  connectionRemote,
  sourceLocation,
  storageLocation,
  LocationConfigError,
  type Location,
  type SmbAccount,
  type SourceSettings,
  type StorageSettings,
} from './locations';
