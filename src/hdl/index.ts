/**
 * bitbeat's structural HDL: build modules with typed TypeScript methods, emit lint-clean
 * Verilog-2005. See docs/ARCHITECTURE.md, section "HDL library", for the conventions.
 */
export { Expr, constant, cat, mux, tree, mask, type Operand } from './expr.ts';
export { Signal, Param, type SignalKind } from './signal.ts';
export { Module, IfBuilder, SwitchBuilder, type ModuleOptions, type RegOptions, type WireOptions, type OutputOptions, type Stmt } from './module.ts';
export { Memory, addressWidth, type RomStyle, type RamStyle } from './memory.ts';
export { Instance } from './instance.ts';
export { Stream } from './stream.ts';
export { HdlError } from './errors.ts';
export { elaborate } from './elaborate.ts';
export { emitModule, emitDesign, emitDesignFiles, collectModules, literal, type EmittedFile } from './emit.ts';
export { streamFifo, queue } from './lib/fifo.ts';
