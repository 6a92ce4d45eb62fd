/**
 * --folding auto without a goal: the smallest design within this many cycles per window
 * (about 2 ms per 10 s window at 40 MHz). The resource estimate is still coarse, so the
 * default does not ask for the largest design the estimate says fits (that is --fit).
 * Kept free of imports so the CLI can show it in help text without loading the generator.
 */
export const DEFAULT_FLOW_CYCLES = 100_000;
