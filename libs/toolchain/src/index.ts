export { TOOLS, type ToolName, type ToolSpec, compareVersions } from './tools';
export { findTool, requireTool, installTool, toolCacheDir, type FoundTool, type ToolEnv } from './resolve';
