/**
 * libuv's thread pool for the worker: 16 threads unless UV_THREADPOOL_SIZE says otherwise (libuv's
 * own default is 4). Files of NFS destinations are read and stat'ed on it, and a call to a server
 * that stopped answering (a hard mount) never returns: harvest/hash.ts lets such calls hold all but
 * 4 threads, so the rest of the worker (rclone's temporary folders, the listing reader, DNS lookups
 * for new PostgreSQL connections) keeps 4. libuv sizes the pool at its first use: main.ts imports
 * this module first, before anything can use the pool. The worker image sets it as well: a module
 * preloaded through NODE_OPTIONS could use the pool before main.ts runs.
 */
// A value that is no positive number (empty, say) would give libuv 1 thread: replaced too.
if (!(Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) > 0)) process.env.UV_THREADPOOL_SIZE = '16';

export {};
