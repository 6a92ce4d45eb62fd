/**
 * Generates the C++ harness that drives a Verilator model over a line protocol:
 * each stdin line holds one cycle's input values (hex, space separated, in `inputs` order);
 * the harness applies them, settles the logic, writes the output values (hex, in `outputs`
 * order) as one stdout line, then clocks one rising edge (when the design has a clock).
 * Outputs are therefore sampled after the inputs are applied and before the edge: a
 * registered output shows the value loaded at earlier edges, a combinational one reacts to
 * this cycle's inputs. With `--interactive` every line is flushed at once (a reactive
 * testbench); otherwise output is buffered (fast batch runs).
 */
export interface HarnessPort {
  name: string;
  width: number;
}

/** Bumped when the harness changes, so cached builds are rebuilt. */
export const HARNESS_VERSION = 2;

export interface HarnessOptions {
  /** compile VCD tracing in (build with --trace); the binary then accepts `--vcd <file>` */
  trace?: boolean;
}

const words = (w: number) => Math.ceil(w / 32);

export function harnessSource(inputs: HarnessPort[], outputs: HarnessPort[], hasClock: boolean, opts: HarnessOptions = {}): string {
  const trace = opts.trace === true;
  const maxWords = Math.max(2, ...inputs.map((p) => words(p.width)), ...outputs.map((p) => words(p.width)));
  const setInputs = inputs
    .map((p, i) => {
      const nw = words(p.width);
      const topMask = p.width % 32 === 0 ? '0xffffffffu' : `0x${((1n << BigInt(p.width % 32)) - 1n).toString(16)}u`;
      const lines = [
        `    if (!nextToken(&cursor, &tok, &tokLen)) fail("missing value for input ${p.name} (input ${i + 1} of ${inputs.length})", lineNo);`,
        `    if (!parseHex(tok, tokLen, w, ${nw})) fail("bad hex value for input ${p.name}", lineNo);`,
        `    w[${nw - 1}] &= ${topMask};`,
      ];
      if (p.width <= 32) lines.push(`    top->${p.name} = w[0];`);
      else if (p.width <= 64) lines.push(`    top->${p.name} = (static_cast<uint64_t>(w[1]) << 32) | w[0];`);
      else lines.push(`    for (int i = 0; i < ${nw}; i++) top->${p.name}[i] = w[i];`);
      return lines.join('\n');
    })
    .join('\n');
  const getOutputs = outputs
    .map((p, i) => {
      const nw = words(p.width);
      const lines: string[] = [];
      if (p.width <= 32) lines.push(`    w[0] = top->${p.name};`);
      else if (p.width <= 64) lines.push(`    { const uint64_t v = top->${p.name}; w[0] = static_cast<uint32_t>(v); w[1] = static_cast<uint32_t>(v >> 32); }`);
      else lines.push(`    for (int i = 0; i < ${nw}; i++) w[i] = top->${p.name}[i];`);
      lines.push(`    putHex(out, w, ${p.width});`);
      lines.push(`    out.push_back('${i === outputs.length - 1 ? '\\n' : ' '}');`);
      return lines.join('\n');
    })
    .join('\n');
  const clockLow = hasClock ? '  top->clk = 0;\n' : '';
  // VCD times: cycle i's inputs at 10 i, its rising edge at 10 i + 5.
  const dump = (t: string) => (trace ? `    if (vcd) vcd->dump(${t});\n` : '');
  const clockEdge = hasClock
    ? `    top->clk = 1;\n    top->eval();\n${dump('cycle * 10 + 5')}    top->clk = 0;\n    top->eval();\n`
    : '';
  return `// bitbeat simulation harness v${HARNESS_VERSION} (generated; see sim/harness.ts)
#include "Vtop.h"
#include "verilated.h"
${trace ? '#include "verilated_vcd_c.h"\n' : ''}#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static void fail(const char* what, long lineNo) {
  std::fprintf(stderr, "harness: line %ld: %s\\n", lineNo, what);
  std::exit(2);
}

static bool nextToken(const char** cursor, const char** tok, size_t* len) {
  const char* p = *cursor;
  while (*p == ' ' || *p == '\\t') p++;
  if (*p == '\\0' || *p == '\\n' || *p == '\\r') return false;
  *tok = p;
  while (*p && *p != ' ' && *p != '\\t' && *p != '\\n' && *p != '\\r') p++;
  *len = static_cast<size_t>(p - *tok);
  *cursor = p;
  return true;
}

static int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Little-endian 32-bit words; digits beyond nw words are an error.
static bool parseHex(const char* s, size_t n, uint32_t* w, int nw) {
  for (int i = 0; i < nw; i++) w[i] = 0;
  int bit = 0;
  for (size_t k = n; k-- > 0;) {
    const int v = hexDigit(s[k]);
    if (v < 0) return false;
    if (bit >= nw * 32) {
      if (v != 0) return false;
      continue;
    }
    w[bit / 32] |= static_cast<uint32_t>(v) << (bit % 32);
    bit += 4;
  }
  return true;
}

static void putHex(std::string& out, const uint32_t* w, int width) {
  static const char digits[] = "0123456789abcdef";
  for (int d = (width + 3) / 4 - 1; d >= 0; d--) {
    const int bit = d * 4;
    out.push_back(digits[(w[bit / 32] >> (bit % 32)) & 0xf]);
  }
}

int main(int argc, char** argv) {
  // --interactive: flush every line; --vcd FILE: waveform; +verilator+... arguments go to Verilator
  bool interactive = false;
  const char* vcdPath = nullptr;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--interactive") == 0) interactive = true;
    else if (std::strcmp(argv[i], "--vcd") == 0 && i + 1 < argc) vcdPath = argv[++i];
  }
  VerilatedContext* context = new VerilatedContext;
  context->commandArgs(argc, argv);
${trace ? '  context->traceEverOn(true);\n' : ''}  Vtop* top = new Vtop{context};
${
  trace
    ? `  VerilatedVcdC* vcd = nullptr;
  if (vcdPath) {
    vcd = new VerilatedVcdC;
    top->trace(vcd, 99);
    vcd->open(vcdPath);
  }
`
    : '  if (vcdPath) fail("--vcd needs a build with tracing (BuildOptions.trace)", 0);\n'
}${trace ? '  uint64_t cycle = 0;\n' : ''}${clockLow}  top->eval();
  uint32_t w[${maxWords}];
  std::string out;
  char* line = nullptr;
  size_t cap = 0;
  long lineNo = 0;
  while (getline(&line, &cap, stdin) != -1) {
    lineNo++;
    const char* cursor = line;
    const char* tok = nullptr;
    size_t tokLen = 0;
${setInputs}
    top->eval();
${dump('cycle * 10')}${getOutputs}
${clockEdge}${trace ? '    cycle++;\n' : ''}    if (interactive || out.size() > (1u << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      if (interactive) std::fflush(stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  std::free(line);
  top->final();
${trace ? '  if (vcd) {\n    vcd->dump(cycle * 10);\n    vcd->close();\n    delete vcd;\n  }\n' : ''}
  delete top;
  delete context;
  return 0;
}
`;
}
