/**
 * `node tools/dist/create-admin.js`: a deployment's first admin, or the way back in. The account
 * with the email SHEAF_ADMIN_EMAIL becomes an enabled admin with the password SHEAF_ADMIN_PASSWORD
 * or, when that is unset, the one read from stdin (asked for twice, unechoed, on a terminal).
 * Created when no account has the email; otherwise its password is set (ending its sessions) and
 * its role made admin. Never from the command line: arguments show in `ps`. Run again with the
 * same input, it changes nothing. Kubernetes and compose: docs/deploy.md, "First admin".
 */
import type { Readable } from 'node:stream';
import { loadServerConfig } from '@sheaf/config';
import { createDataSource } from '@sheaf/db';
import { AdminAccountError, describeAdminAccount, emailProblem, passwordProblem, setAdminAccount } from './admin-account';

/** More than any password the API accepts (72 bytes) and a line ending. */
const STDIN_MAX_BYTES = 4096;

export interface AdminInput {
  email: string;
  password: string;
}

/** The terminal, for the unechoed prompt; absent when stdin is a pipe or a file. */
export interface Terminal {
  prompt(question: string): Promise<string>;
}

/** Everything piped in, up to `max` bytes. */
async function readAll(input: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > max) throw new AdminAccountError(`stdin holds more than ${max} bytes: give the password alone`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The email and password, checked as the API checks them, from the environment (SHEAF_ADMIN_EMAIL,
 * SHEAF_ADMIN_PASSWORD) and, when the password is not there, from stdin: one line, its line
 * ending dropped (`printf '%s\n' "$PW"` and `echo` are fine), or typed twice at a terminal.
 */
export async function readAdminInput(env: NodeJS.ProcessEnv, stdin: Readable, terminal?: Terminal): Promise<AdminInput> {
  const email = (env.SHEAF_ADMIN_EMAIL ?? '').trim();
  if (!email) throw new AdminAccountError('SHEAF_ADMIN_EMAIL is not set: the email of the admin account to create or set');
  const badEmail = emailProblem(email);
  if (badEmail) throw new AdminAccountError(`SHEAF_ADMIN_EMAIL ${badEmail}`);

  let password: string;
  let source: string;
  // Empty counts as unset, as in Sheaf's configuration.
  if (env.SHEAF_ADMIN_PASSWORD) {
    password = env.SHEAF_ADMIN_PASSWORD;
    source = 'SHEAF_ADMIN_PASSWORD';
  } else if (terminal) {
    password = await terminal.prompt(`New password for ${email.toLowerCase()}: `);
    const bad = passwordProblem(password);
    if (bad) throw new AdminAccountError(`the password ${bad}`);
    if ((await terminal.prompt('The same again: ')) !== password) throw new AdminAccountError('the two passwords differ');
    source = 'the password';
  } else {
    const text = (await readAll(stdin, STDIN_MAX_BYTES)).replace(/\r?\n$/, '');
    if (!text) {
      throw new AdminAccountError('no password: set SHEAF_ADMIN_PASSWORD or give the password on stdin (kubectl exec -i, docker compose exec -T)');
    }
    if (/[\r\n]/.test(text)) throw new AdminAccountError('stdin holds more than one line: give the password alone');
    password = text;
    source = 'the password on stdin';
  }
  const bad = passwordProblem(password);
  if (bad) throw new AdminAccountError(`${source} ${bad}`);
  return { email, password };
}

/** A prompt that echoes nothing of what is typed; Ctrl-C gives up. */
function terminalOf(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Terminal {
  return {
    prompt: (question) =>
      new Promise((resolve, reject) => {
        output.write(question);
        let typed = '';
        const finish = (err?: Error) => {
          input.off('data', onData);
          input.setRawMode(false);
          input.pause();
          output.write('\n');
          if (err) reject(err);
          else resolve(typed);
        };
        const onData = (chunk: string) => {
          for (const char of chunk) {
            if (char === '\r' || char === '\n' || char === '\u0004') return finish();
            if (char === '\u0003') return finish(new AdminAccountError('interrupted'));
            if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
            else typed += char;
          }
        };
        input.setRawMode(true);
        input.setEncoding('utf8');
        input.on('data', onData);
        input.resume();
      }),
  };
}

async function main(): Promise<void> {
  if (process.argv.length > 2) {
    throw new AdminAccountError('takes no arguments: the email comes from SHEAF_ADMIN_EMAIL, the password from SHEAF_ADMIN_PASSWORD or stdin (arguments show in ps)');
  }
  const config = loadServerConfig();
  const input = await readAdminInput(process.env, process.stdin, process.stdin.isTTY ? terminalOf(process.stdin, process.stderr) : undefined);
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-create-admin', poolSize: 1 });
  await dataSource.initialize();
  try {
    process.stdout.write(`${describeAdminAccount(await setAdminAccount(dataSource, { ...input, actor: 'create-admin' }))}\n`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sheaf create-admin: ${message}${err instanceof AdminAccountError ? '; nothing was changed' : ''}\n`);
    process.exit(1);
  });
}
