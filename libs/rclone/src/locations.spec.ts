import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireTool } from '@sheaf/toolchain';
import { connectionRemote, LocationConfigError, sourceLocation, storageLocation } from './locations';
import { Rclone } from './rclone';

describe('rclone connection strings as remotes of their own', () => {
  it('takes the backend, the options and the path apart', () => {
    expect(connectionRemote(':sftp,host=scope.lab,port=2222,user=lab,pass=y-JIlTO0gIpRk:data/run 1', 'src', 'x')).toEqual({
      remote: { name: 'src', type: 'sftp', options: { host: 'scope.lab', port: '2222', user: 'lab', pass: 'y-JIlTO0gIpRk' } },
      path: 'data/run 1',
    });
  });

  it('reads quoted values holding colons and commas, doubled quotes, options without a value, and dashes in names', () => {
    expect(connectionRemote(`:s3,endpoint="http://127.0.0.1:9000",note='it''s, fine',force-path-style:bucket/raw`, 'src', 'x')).toEqual({
      remote: { name: 'src', type: 's3', options: { endpoint: 'http://127.0.0.1:9000', note: "it's, fine", force_path_style: 'true' } },
      path: 'bucket/raw',
    });
  });

  it('leaves named remotes alone (only the operator defines them, in the environment)', () => {
    expect(connectionRemote('archive:folder', 'src', 'x')).toBeUndefined();
    expect(connectionRemote('dst_archive:folder', 'src', 'x')).toBeUndefined();
  });

  it('refuses a malformed one, naming the instrument', () => {
    expect(() => connectionRemote(':sftp,host="scope:data', 'src', 'instrument scope')).toThrow(
      new LocationConfigError('instrument scope: the rclone connection string has an unterminated " quote'),
    );
    expect(() => connectionRemote(':sftp,=x:data', 'src', 'instrument scope')).toThrow(/option without a name/);
    expect(() => connectionRemote(':sftp,host=a', 'src', 'instrument scope')).toThrow(/needs ':' before its path/);
  });

  // What the review ran on the API host (POST /api/instruments/{id}/test) and on workers: each
  // program could read /proc/<pid>/environ of Sheaf's processes (JWT_SECRET, SHEAF_ENCRYPTION_KEY).
  it.each([
    [`:sftp,host='a:b',ssh='sh -c "id > /tmp/x"':data`, 'has the option ssh, which runs a program'],
    [`:webdav,url='http://127.0.0.1:1/',bearer_token_command='cat /proc/1/environ':`, 'has the option bearer_token_command, which runs a program'],
    [':ftp,host=a,pass_command=id:', 'has the option pass_command, which runs a program'],
    [':sftp,host=a,server_command=id:', 'has the option server_command, which runs a program'],
    [':sftp,host=a,key_file=/etc/shadow:', 'has the option key_file, which reads a file of the host rclone runs on'],
    [':sftp,host=a,Known-Hosts-File=/etc/passwd:', 'has the option known_hosts_file, which reads a file'],
    [':sftp,host=a,pubkey_file=/x:', 'has the option pubkey_file, which reads a file'],
    [':s3,shared_credentials_file=/root/.aws/credentials:bucket', 'has the option shared_credentials_file, which reads a file'],
    [':gcs,service_account_file=/var/run/secrets/gcs.json:bucket', 'has the option service_account_file, which reads a file'],
    [':azureblob,account=a,client_certificate_path=/x:c', 'has the option client_certificate_path, which reads a file'],
    [':s3,env_auth:bucket', "has the option env_auth, which signs in with the host's own credentials"],
    [':azureblob,account=a,use_msi:c', "has the option use_msi, which signs in with the host's own credentials"],
    [':smb,host=a,use_kerberos:share', "has the option use_kerberos, which signs in with the host's own credentials"],
    [`:webdav,url='http://a/',unix_socket=/var/run/docker.sock:`, 'has the option unix_socket, which connects to a socket'],
    // rclone reads options from its environment in upper case: TYPE would be its backend.
    [':sftp,host=a,TYPE=local:/etc', 'has the option type, which would change the backend'],
    [':local:/etc', 'uses the backend local, which is refused: use one of sftp, smb, ftp, webdav, http, s3, azureblob, gcs, swift, b2'],
    [':alias,remote=/etc:', 'uses the backend alias, which is refused'],
    [':union,upstreams=/etc:', 'uses the backend union, which is refused'],
    [`:combine,upstreams='etc=/etc':`, 'uses the backend combine, which is refused'],
    [':crypt,remote=/etc:', 'uses the backend crypt, which is refused'],
    [':memory:', 'uses the backend memory, which is refused'],
  ])('refuses %s', (connection, why) => {
    expect(() => connectionRemote(connection, 'src', 'instrument scope')).toThrow(`instrument scope: the rclone connection string ${why}`);
  });

  // rclone reads these switches with Go's strconv.ParseBool; with no value, one is on.
  it.each(['env_auth', 'use_msi', 'use_az', 'key_use_agent', 'use_kerberos'])('takes %s when off, as `rclone config` writes it, and refuses it when on', (option) => {
    for (const off of ['false', 'False', 'FALSE', 'f', 'F', '0', '']) {
      expect(connectionRemote(`:s3,${option}=${off},access_key_id=AK:bucket`, 'src', 'x')?.remote.options).toEqual({ [option]: off, access_key_id: 'AK' });
    }
    for (const on of [`${option}`, `${option}=true`, `${option}=True`, `${option}=TRUE`, `${option}=t`, `${option}=T`, `${option}=1`, `${option}=yes`]) {
      expect(() => connectionRemote(`:s3,${on}:bucket`, 'src', 'x')).toThrow(`has the option ${option}, which signs in with the host's own credentials: refused`);
    }
  });

  // A harvest would copy the VM's credentials into the archive, as with env_auth.
  it.each([
    `:http,url='http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/',headers='Metadata-Flavor,Google':token`,
    `:http,url='http://metadata/computeMetadata/v1/':`,
    `:webdav,url='http://169.254.169.254/latest/meta-data/':`,
    `:s3,endpoint='http://169.254.169.254':latest`,
    ':s3,endpoint=169.254.170.2:v2',
    ':s3,endpoint=0xa9fea9fe:latest',
    `:webdav,url='http://[fd00:ec2::254]/latest/':`,
    `:webdav,url='http://[::ffff:169.254.169.254]/':`,
    // A link-local IPv6 address needs its zone to be reached; the URL parser refuses one.
    `:webdav,url='http://[fe80::a9fe:a9fe%25eth0]/':`,
    `:s3,endpoint='fe80::a9fe:a9fe%eth0':b`,
    `:webdav,url='http://x%41@169.254.169.254/':`,
    `:swift,auth='http://169.254.169.254/':c`,
    `:b2,download_url='http://169.254.169.254/':b`,
  ])('refuses the cloud metadata service: %s', (connection) => {
    expect(() => connectionRemote(connection, 'src', 'x')).toThrow(/has the option (url|endpoint|auth|download_url), which reaches the cloud metadata service/);
  });

  it.each([
    `:s3,endpoint='https://s3.eu-west-1.amazonaws.com':b`,
    ':sftp,host=169.255.1.1:',
    `:webdav,url='http://10.0.0.5/metadata/':`,
    `:sftp,host='fd00:ec2::1':`,
    // A host spoken to over sftp, ftp or smb cannot fetch a metadata answer; an instrument PC
    // cabled straight to another often has a self-assigned 169.254 address.
    ':sftp,host=169.254.10.20:',
    ':ftp,host=169.254.169.254:',
  ])('takes an ordinary server: %s', (connection) => {
    expect(connectionRemote(connection, 'src', 'x')).toBeDefined();
  });

  it.each([
    ['/etc', 'a local path is refused'],
    ['data/raw', 'a local path is refused'],
    ['src:data', "the remote name src is one of Sheaf's own"],
    ['DST0:archive', "the remote name DST0 is one of Sheaf's own"],
    ['dst:archive', "the remote name dst is one of Sheaf's own"],
    ['lab,secret_access_key=TOPSECRET:bucket', 'a named remote takes no options'],
  ])('refuses the rclone source %s', (connection, why) => {
    expect(() => connectionRemote(connection, 'src', 'instrument scope')).toThrow(`instrument scope: ${why}`);
    // The source of a harvest or a test is built the same way.
    expect(() => sourceLocation({ name: 'scope', type: 'rclone', config: { remote: connection } }, null)).toThrow(LocationConfigError);
  });

  it('never quotes the connection string in a refusal (it may hold a password)', () => {
    for (const connection of ['sftp,host=a,pass=TOPSECRET:data', ':local,pass=TOPSECRET:/etc', ':sftp,pass=TOPSECRET,key_file=/x:']) {
      expect(() => connectionRemote(connection, 'src', 'x')).toThrow(LocationConfigError);
      expect(() => connectionRemote(connection, 'src', 'x')).not.toThrow('TOPSECRET');
    }
  });

  it('gives an instrument source whose root names no option, and that real rclone reads', async () => {
    // An HTTP server rclone's http backend lists: an index page naming one file, a.txt.
    const server = createServer((req, res) => {
      if (req.url === '/files/') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body><a href="a.txt">a.txt</a></body></html>');
      } else if (req.url === '/files/a.txt') {
        res.writeHead(200, { 'Content-Length': '5', 'Last-Modified': 'Fri, 02 Jan 2026 03:04:05 GMT' });
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/`;
      const source = sourceLocation({ name: 'scope', type: 'rclone', config: { remote: `:http,url='${url}',no-head=false:` } }, null);
      expect(source.root).toBe('src:');
      expect(source.remotes).toEqual([{ name: 'src', type: 'http', options: { url, no_head: 'false' } }]);
      const found = await new Rclone(requireTool('rclone', process.env), source.remotes).stat(source.root, ['a.txt']);
      expect(found.get('a.txt')).toMatchObject({ Size: 5 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('SMB remotes', () => {
  const account = { name: 'scopes', username: 'svc', domain: 'LAB', password: () => 'pw' };
  const storage = (config: Record<string, unknown>) => storageLocation({ name: 'nas', type: 'smb', config }, 'dst0', () => 'pw');
  const source = (config: Record<string, unknown>) => sourceLocation({ name: 'scope', type: 'smb', config }, account);

  it('gives rclone no port for a null one stored before the API refused it (rclone dialled "null", port 9)', () => {
    expect(source({ host: 'scope-pc', share: 'data', port: null }).remotes).toEqual([
      { name: 'src', type: 'smb', options: { host: 'scope-pc', user: 'svc', pass: expect.any(String), domain: 'LAB' } },
    ]);
    expect(storage({ host: 'nas', share: 'data', user: 'svc', port: null, path: null, domain: null })).toEqual({
      root: 'dst0:data',
      remotes: [{ name: 'dst0', type: 'smb', options: { host: 'nas', user: 'svc', pass: expect.any(String), domain: 'WORKGROUP' } }],
    });
  });

  it('gives rclone a port that is set', () => {
    expect(source({ host: 'scope-pc', share: 'data', port: 1445 }).remotes[0]?.options).toMatchObject({ port: '1445' });
    expect(storage({ host: 'nas', share: 'data', user: 'svc', port: 1445 }).remotes[0]?.options).toMatchObject({ port: '1445' });
  });
});

describe('S3 remotes', () => {
  it('tell rclone never to create the bucket (a typo made an empty one), and name it for a connection test', () => {
    expect(storageLocation({ name: 'objects', type: 's3', config: { bucket: 'archive', prefix: 'raw', accessKeyId: 'AKIA' } }, 'dst1', () => 'secret')).toEqual({
      root: 'dst1:archive/raw',
      bucket: 'dst1:archive',
      remotes: [
        {
          name: 'dst1',
          type: 's3',
          options: { provider: 'Other', access_key_id: 'AKIA', secret_access_key: 'secret', force_path_style: 'true', no_check_bucket: 'true' },
        },
      ],
    });
  });
});
