/** Bootstrap step: makes the Temporal CLI and rclone available, building them only when needed. */
import { TOOLS, findTool, installTool, type ToolName } from '@sheaf/toolchain';

async function main(): Promise<void> {
  for (const name of Object.keys(TOOLS) as ToolName[]) {
    const spec = TOOLS[name];
    const found = findTool(name, process.env);
    if (found) {
      process.stdout.write(`   ${spec.name} ${found.version} (${found.source}: ${found.path})\n`);
      continue;
    }
    const started = Date.now();
    const built = await installTool(name, process.env, (line) => process.stdout.write(`   ${line}\n`));
    process.stdout.write(`   ${spec.name} ${built.version} built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${built.path}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
