/**
 * The environment without inherited rclone settings, so that only what a test server or probe
 * sets applies (a stray RCLONE_ADDR would move a server, RCLONE_CONFIG_* add remotes).
 */
export function withoutRcloneSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('RCLONE_')));
}
