export { TOOL_NAMES, TOOL_SPECS, overrideVariable, type ToolName, type ToolSpec } from './registry.ts';
export { findTool, resolveTool, findOnPath, clearToolCache, MissingToolError, type ResolvedTool, type ToolSource } from './resolve.ts';
export { runTool, ToolFailedError, type RunOptions, type RunResult } from './run.ts';
