import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

/**
 * File system types (as /proc/self/mountinfo names them) whose files are on a disk of this
 * machine, or in its memory: a read of them does not wait on a server. Any other type is taken
 * for one whose read may hang for good: NFS (`nfs`, `nfs4`), SMB (`cifs`, `smb3`), FUSE
 * (`fuse.sshfs`, `fuse.rclone`, `fuseblk` for ntfs-3g, ...), Ceph, Lustre, GPFS, BeeGFS, 9p,
 * virtiofs, and any type not listed here (a local one missing from the list only costs speed).
 */
const LOCAL_FILE_SYSTEMS: ReadonlySet<string> = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'f2fs',
  'bcachefs',
  'reiserfs',
  'jfs',
  'nilfs2',
  'vfat',
  'msdos',
  'exfat',
  'ntfs',
  'ntfs3',
  'hfs',
  'hfsplus',
  'iso9660',
  'udf',
  'squashfs',
  'erofs',
  'tmpfs',
  'ramfs',
  'devtmpfs',
  // A container's root: layers on the node's disk.
  'overlay',
  'aufs',
]);

/** Whether a file system type (mountinfo's name for it) keeps its files on this machine. */
export function localFileSystem(type: string): boolean {
  return LOCAL_FILE_SYSTEMS.has(type);
}

export interface Mount {
  mountPoint: string;
  type: string;
}

/** mountinfo spells a space, tab, line break or backslash in a path as `\040`, `\011`, `\012`, `\134`. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * The mounts of /proc/self/mountinfo (proc(5)), in its order: the fifth field is the mount point,
 * the one after the `-` separator the file system type.
 */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || separator + 1 >= fields.length) continue;
    mounts.push({ mountPoint: unescapeMountPath(fields[4]), type: fields[separator + 1] });
  }
  return mounts;
}

/** Whether `path` is `dir` or under it (both absolute, without `.`, `..` or a trailing `/`). */
function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** The mount `path` (absolute, symbolic links resolved) is on: the last of the deepest mount points holding it. */
function mountOf(mounts: readonly Mount[], path: string): Mount | undefined {
  let found: Mount | undefined;
  for (const mount of mounts) if (within(path, mount.mountPoint) && (!found || mount.mountPoint.length >= found.mountPoint.length)) found = mount;
  return found;
}

/** How a folder's place is looked at: the mount table, and lstat/readlink of its path's components. */
export interface FileSystemCalls {
  mountinfo: () => string;
  lstat: (path: string) => { isSymbolicLink(): boolean };
  readlink: (path: string) => string;
}

const SYSTEM: FileSystemCalls = {
  mountinfo: () => readFileSync('/proc/self/mountinfo', 'utf8'),
  lstat: (path) => lstatSync(path),
  readlink: (path) => readlinkSync(path),
};

let calls = SYSTEM;

/** For tests only: how folders are looked at from now on (by default the system's mount table and files). */
export function setFileSystemCallsForTests(replacement: Partial<FileSystemCalls> = {}): void {
  calls = { ...SYSTEM, ...replacement };
}

/** Symbolic links followed on the way to a folder before giving up (Linux's limit). */
const MAX_LINKS = 40;

/**
 * Whether the folder `root`, its symbolic links followed, is on a local file system, with every
 * file system mounted beneath it (a share mounted in a subfolder). A folder not there yet (a new
 * storage location's, which rclone creates with the first copy) is where its nearest existing
 * folder is: nothing can be mounted beneath a path that does not exist. False when it cannot be
 * told (no mount table, a relative path, a loop of links): reads that never block are merely slower.
 *
 * Synchronous, and safe to be: the mount table (procfs) is made from the kernel's memory, and a
 * path is looked at (lstat, readlink) only once the table says the file system it is on is local.
 * Deciding never touches the file system in question, which a statfs(2) would: on a hung hard NFS
 * mount it hangs as reads do, and would hold one of libuv's threads for good.
 */
export function onLocalFileSystems(root: string): boolean {
  if (!root.startsWith('/')) return false;
  try {
    const mounts = parseMountinfo(calls.mountinfo());
    const local = (path: string) => {
      const mount = mountOf(mounts, path);
      return !!mount && localFileSystem(mount.type);
    };
    const nothingForeignBeneath = (dir: string) => mounts.every((mount) => !within(mount.mountPoint, dir) || localFileSystem(mount.type));
    if (!local('/')) return false;
    let real = '/';
    const pending = root.split('/');
    let links = 0;
    while (pending.length) {
      const name = pending.shift() as string;
      if (!name || name === '.') continue;
      if (name === '..') {
        real = posix.dirname(real);
        continue;
      }
      const path = posix.join(real, name);
      if (!local(path)) return false;
      let link: boolean;
      try {
        link = calls.lstat(path).isSymbolicLink();
      } catch (err) {
        // Not there yet: made later on the file system that holds `real`, already found local.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return nothingForeignBeneath(posix.join(path, ...pending));
        throw err;
      }
      if (!link) {
        real = path;
        continue;
      }
      if (++links > MAX_LINKS) return false;
      const target = calls.readlink(path);
      if (target.startsWith('/')) real = '/';
      pending.unshift(...target.split('/'));
    }
    return nothingForeignBeneath(real);
  } catch {
    return false;
  }
}
