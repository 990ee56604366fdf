import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localFileSystem, onLocalFileSystems, parseMountinfo, setFileSystemCallsForTests } from './mounts';

/** A mount table as /proc/self/mountinfo writes it: mount point and file system type per line, in mount order. */
const table = (...mounts: Array<[string, string]>) =>
  mounts.map(([mountPoint, type], i) => `${30 + i} 1 0:${i} / ${mountPoint.replace(/ /g, '\\040')} rw,relatime shared:${i} - ${type} source-${i} rw\n`).join('');

/** An error as node's fs calls throw it, with its errno code. */
const fsError = (code: string) => Object.assign(new Error(`${code}: from the test`), { code });

/** A machine whose root is ext4 and where every lstat fails with `code`. */
const lstatFailing = (code: string) =>
  setFileSystemCallsForTests({
    mountinfo: () => table(['/', 'ext4']),
    lstat: () => {
      throw fsError(code);
    },
  });

describe('which file systems count as local', () => {
  it.each(['ext4', 'ext3', 'xfs', 'btrfs', 'zfs', 'tmpfs', 'overlay', 'f2fs'])('%s is local: small files are read blocking', (type) => {
    expect(localFileSystem(type)).toBe(true);
  });

  it.each(['nfs', 'nfs4', 'cifs', 'smb3', 'fuse', 'fuse.sshfs', 'fuse.rclone', 'fuseblk', 'ceph', 'lustre', 'gpfs', 'beegfs', '9p', 'virtiofs', 'autofs', 'proc', 'made-up', ''])(
    '%j is not: a read there may hang, so none blocks',
    (type) => {
      expect(localFileSystem(type)).toBe(false);
    },
  );

  it("reads mountinfo's mount points (with their escapes) and types", () => {
    expect(
      parseMountinfo(
        '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n' +
          '88 27 0:51 /export /mnt/scope\\040share rw,relatime shared:7 master:3 - nfs4 server:/export rw,vers=4.2\n' +
          '89 27 0:52 / /mnt/s3 rw - fuse.rclone s3: rw\n' +
          'not a mountinfo line\n',
      ),
    ).toEqual([
      { mountPoint: '/', type: 'ext4' },
      { mountPoint: '/mnt/scope share', type: 'nfs4' },
      { mountPoint: '/mnt/s3', type: 'fuse.rclone' },
    ]);
  });
});

describe('whether a folder is on local file systems', () => {
  /** Paths lstat was asked about: never one on a file system that is not local. */
  let looked: string[];
  /** Symbolic links of the fake tree, by path. */
  let links: Record<string, string>;

  const given = (mountinfo: string) =>
    setFileSystemCallsForTests({
      mountinfo: () => mountinfo,
      lstat: (path) => {
        looked.push(path);
        return { isSymbolicLink: () => path in links };
      },
      readlink: (path) => links[path],
    });

  beforeEach(() => {
    looked = [];
    links = {};
  });
  afterEach(() => setFileSystemCallsForTests());

  it('a folder on the local disk is', () => {
    given(table(['/', 'ext4'], ['/data', 'xfs']));
    expect(onLocalFileSystems('/data/krios')).toBe(true);
    expect(looked).toEqual(['/data', '/data/krios']);
  });

  it('a folder on an NFS, SMB or FUSE mount is not, and nothing on that mount is looked at', () => {
    for (const type of ['nfs4', 'cifs', 'fuse.sshfs']) {
      looked = [];
      given(table(['/', 'ext4'], ['/mnt/scope', type]));
      expect(onLocalFileSystems('/mnt/scope/raw')).toBe(false);
      expect(onLocalFileSystems('/mnt/scope')).toBe(false);
      expect(looked).toEqual(['/mnt', '/mnt']);
    }
  });

  it('a folder with a share mounted beneath it is not; one beside it is', () => {
    given(table(['/', 'ext4'], ['/data/scope-share', 'cifs']));
    expect(onLocalFileSystems('/data')).toBe(false);
    expect(onLocalFileSystems('/data/')).toBe(false);
    expect(onLocalFileSystems('/data/other')).toBe(true);
    expect(onLocalFileSystems('/data-2')).toBe(true);
    expect(looked).not.toContain('/data/scope-share');
  });

  it('follows symbolic links to where the folder is, without looking past a mount that is not local', () => {
    given(table(['/', 'ext4'], ['/mnt/nas', 'nfs']));
    links = { '/srv/scope': '/mnt/nas/scope', '/srv/local': '../var/data', '/srv/dot': './local' };
    expect(onLocalFileSystems('/srv/scope/raw')).toBe(false);
    expect(looked).toEqual(['/srv', '/srv/scope', '/mnt']);
    expect(onLocalFileSystems('/srv/local')).toBe(true);
    expect(onLocalFileSystems('/srv/dot/x')).toBe(true);
    expect(looked.slice(3)).toEqual(['/srv', '/srv/local', '/var', '/var/data', '/srv', '/srv/dot', '/srv/local', '/var', '/var/data', '/var/data/x']);
  });

  it('takes the mount on top where two share a mount point', () => {
    given(table(['/', 'ext4'], ['/data', 'nfs4'], ['/data', 'ext4']));
    expect(onLocalFileSystems('/data/krios')).toBe(true);
    given(table(['/', 'ext4'], ['/data', 'ext4'], ['/data', 'nfs4']));
    expect(onLocalFileSystems('/data/krios')).toBe(false);
  });

  it('reads a mount point with a space in it', () => {
    given(table(['/', 'ext4'], ['/mnt/scope share', 'nfs4']));
    expect(onLocalFileSystems('/mnt/scope share/raw')).toBe(false);
    expect(onLocalFileSystems('/mnt/scope')).toBe(true);
  });

  it('a folder not there yet is where its nearest existing folder is (a new storage location, which the first copy makes)', () => {
    const absent = (missing: string[]) =>
      setFileSystemCallsForTests({
        mountinfo: () => table(['/', 'ext4'], ['/mnt/nas', 'nfs4'], ['/data/old/share', 'cifs']),
        lstat: (path) => {
          looked.push(path);
          if (missing.some((m) => path === m || path.startsWith(`${m}/`))) throw fsError('ENOENT');
          return { isSymbolicLink: () => false };
        },
        readlink: () => '',
      });
    absent(['/data/new']);
    expect(onLocalFileSystems('/data/new/krios/raw')).toBe(true);
    expect(looked).toEqual(['/data', '/data/new']);
    absent(['/mnt/nas/new']);
    expect(onLocalFileSystems('/mnt/nas/new')).toBe(false);
    // The mount table lists a share beneath it (mounted in another namespace, then its folder went).
    absent(['/data/old']);
    expect(onLocalFileSystems('/data/old')).toBe(false);
    lstatFailing('EACCES');
    expect(onLocalFileSystems('/data/new')).toBe(false);
  });

  it('says no when it cannot tell: no mount table, a folder it may not look at, a loop of links, a relative path, a root on no known file system', () => {
    setFileSystemCallsForTests({
      mountinfo: () => {
        throw fsError('ENOENT');
      },
    });
    expect(onLocalFileSystems('/data')).toBe(false);
    given(table(['/', 'ext4']));
    links = { '/a': '/b', '/b': '/a' };
    expect(onLocalFileSystems('/a/data')).toBe(false);
    expect(onLocalFileSystems('data')).toBe(false);
    lstatFailing('ELOOP');
    expect(onLocalFileSystems('/data')).toBe(false);
    given(table(['/', 'rootfs-of-no-known-kind']));
    expect(onLocalFileSystems('/data')).toBe(false);
  });

  describe("on this machine's own mounts", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sheaf-mounts-'));
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'link'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a temporary folder (the local disk, or tmpfs) is local, through a link too, and one not made yet; /proc is not', () => {
      expect(onLocalFileSystems(join(dir, 'real'))).toBe(true);
      expect(onLocalFileSystems(join(dir, 'link'))).toBe(true);
      expect(onLocalFileSystems(join(dir, 'missing'))).toBe(true);
      expect(onLocalFileSystems(join(dir, 'link', 'missing', 'deeper'))).toBe(true);
      expect(onLocalFileSystems('/proc')).toBe(false);
    });
  });
});
