/**
 * Generates the C++ harness that drives a Verilator model. Two modes:
 *
 * Vector mode (default): each stdin line holds one cycle's input values (hex, space
 * separated, in `inputs` order); the harness applies them, settles the logic, writes the
 * output values (hex, in `outputs` order) as one stdout line, then clocks one rising edge
 * (when the design has a clock). Outputs are therefore sampled after the inputs are applied
 * and before the edge: a registered output shows the value loaded at earlier edges, a
 * combinational one reacts to this cycle's inputs. With `--interactive` every line is flushed
 * at once (a reactive testbench); otherwise output is buffered (fast batch runs).
 *
 * Stream mode (`--streams`, designs with streams): the harness itself plays producer for
 * every input stream and consumer for every output stream, with seeded random valid/ready
 * (a producer holds valid and payload until its word fires, as the stream rule requires),
 * stops when every output stream has delivered its expected word count, and fails by status
 * when nothing moves for `watchdog` cycles. Protocol, stdin:
 *   line 1: seed pValid pReady watchdog maxCycles resetCycles
 *   line 2: hex values of the other (non-stream) inputs, held constant
 *   one line per input stream: count, then the words in hex
 *   one line: expected word count per output stream
 * stdout: `status cycles`, then per output stream a line of words (hex), then per output
 * stream a line of fire cycles, then per input stream a line of fire cycles.
 */
export interface HarnessPort {
  name: string;
  width: number;
}

export interface HarnessStream {
  name: string;
  payload: HarnessPort;
  valid: HarnessPort;
  ready: HarnessPort;
}

export interface HarnessDesign {
  /** inputs in vector-protocol order (`rst` first when present; `clk` is driven by the harness) */
  inputs: HarnessPort[];
  outputs: HarnessPort[];
  hasClock: boolean;
  hasReset: boolean;
  inStreams: HarnessStream[];
  outStreams: HarnessStream[];
}

export interface HarnessOptions {
  /** compile VCD tracing in (build with --trace); the binary then accepts `--vcd <file>` */
  trace?: boolean;
}

/** Bumped when the harness changes, so cached builds are rebuilt. */
export const HARNESS_VERSION = 3;

const words = (w: number) => Math.ceil(w / 32);
const topMask = (w: number) => (w % 32 === 0 ? '0xffffffffu' : `0x${((1n << BigInt(w % 32)) - 1n).toString(16)}u`);

/** C++ statements copying little-endian words at `src` into port `p` (masking the top word). */
function setPort(p: HarnessPort, src: string, ind: string): string {
  const nw = words(p.width);
  if (p.width <= 32) return `${ind}top->${p.name} = ${src}[0] & ${topMask(p.width)};`;
  if (p.width <= 64) return `${ind}top->${p.name} = (static_cast<uint64_t>(${src}[1] & ${topMask(p.width)}) << 32) | ${src}[0];`;
  return `${ind}for (int i = 0; i < ${nw}; i++) top->${p.name}[i] = ${src}[i];\n${ind}top->${p.name}[${nw - 1}] &= ${topMask(p.width)};`;
}

/** C++ statements copying port `p` into little-endian words at `dst`. */
function getPort(p: HarnessPort, dst: string, ind: string): string {
  const nw = words(p.width);
  if (p.width <= 32) return `${ind}${dst}[0] = top->${p.name};`;
  if (p.width <= 64) return `${ind}{ const uint64_t v = top->${p.name}; ${dst}[0] = static_cast<uint32_t>(v); ${dst}[1] = static_cast<uint32_t>(v >> 32); }`;
  return `${ind}for (int i = 0; i < ${nw}; i++) ${dst}[i] = top->${p.name}[i];`;
}

export function harnessSource(d: HarnessDesign, opts: HarnessOptions = {}): string {
  const trace = opts.trace === true;
  const all = [...d.inputs, ...d.outputs];
  const maxWords = Math.max(2, ...all.map((p) => words(p.width)));

  const setInputs = d.inputs
    .map((p, i) =>
      [
        `    if (!nextToken(&cursor, &tok, &tokLen)) fail("missing value for input ${p.name} (input ${i + 1} of ${d.inputs.length})", lineNo);`,
        `    if (!parseHex(tok, tokLen, w, ${words(p.width)})) fail("bad hex value for input ${p.name}", lineNo);`,
        setPort(p, 'w', '    '),
      ].join('\n'),
    )
    .join('\n');
  const getOutputs = d.outputs
    .map((p, i) =>
      [getPort(p, 'w', '    '), `    putHex(out, w, ${p.width});`, `    out.push_back('${i === d.outputs.length - 1 ? '\\n' : ' '}');`].join('\n'),
    )
    .join('\n');

  return `// bitbeat simulation harness v${HARNESS_VERSION} (generated; see sim/harness.ts)
#include "Vtop.h"
#include "verilated.h"
${trace ? '#include "verilated_vcd_c.h"\n' : ''}#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static Vtop* top = nullptr;
static uint64_t cycle = 0;
${trace ? 'static VerilatedVcdC* vcd = nullptr;\n' : ''}
static void fail(const char* what, long lineNo) {
  std::fprintf(stderr, "harness: line %ld: %s\\n", lineNo, what);
  std::exit(2);
}

// Evaluate after new inputs (VCD time 10 * cycle).
static void settle() {
  top->eval();
${trace ? '  if (vcd) vcd->dump(cycle * 10);\n' : ''}}

// One rising edge (VCD time 10 * cycle + 5), then clock low again; advances the cycle count.
static void clockEdge() {
${
  d.hasClock
    ? `  top->clk = 1;
  top->eval();
${trace ? '  if (vcd) vcd->dump(cycle * 10 + 5);\n' : ''}  top->clk = 0;
  top->eval();
`
    : ''
}  cycle++;
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

// Little-endian 32-bit words; non-zero digits beyond nw words are an error.
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

static bool readLine(char** line, size_t* cap, long* lineNo) {
  if (getline(line, cap, stdin) == -1) return false;
  (*lineNo)++;
  return true;
}

static void runVectors(bool interactive) {
  uint32_t w[${maxWords}];
  std::string out;
  char* line = nullptr;
  size_t cap = 0;
  long lineNo = 0;
  while (readLine(&line, &cap, &lineNo)) {
    const char* cursor = line;
    const char* tok = nullptr;
    size_t tokLen = 0;
${setInputs}
    settle();
${getOutputs}
    clockEdge();
    if (interactive || out.size() > (1u << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      if (interactive) std::fflush(stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::free(line);
}
${streamMode(d, maxWords)}
int main(int argc, char** argv) {
  // --interactive: flush every line; --streams: stream mode; --vcd FILE: waveform;
  // +verilator+... arguments go to Verilator (random initial values, seed).
  bool interactive = false;
  bool streams = false;
  const char* vcdPath = nullptr;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--interactive") == 0) interactive = true;
    else if (std::strcmp(argv[i], "--streams") == 0) streams = true;
    else if (std::strcmp(argv[i], "--vcd") == 0 && i + 1 < argc) vcdPath = argv[++i];
  }
  VerilatedContext* context = new VerilatedContext;
  context->commandArgs(argc, argv);
${trace ? '  context->traceEverOn(true);\n' : ''}  top = new Vtop{context};
${
  trace
    ? `  if (vcdPath) {
    vcd = new VerilatedVcdC;
    top->trace(vcd, 99);
    vcd->open(vcdPath);
  }
`
    : '  if (vcdPath) fail("--vcd needs a build with tracing (BuildOptions.trace)", 0);\n'
}${d.hasClock ? '  top->clk = 0;\n' : ''}  top->eval();
  if (streams) runStreams();
  else runVectors(interactive);
  std::fflush(stdout);
  top->final();
${trace ? '  if (vcd) {\n    vcd->dump(cycle * 10);\n    vcd->close();\n    delete vcd;\n  }\n' : ''}  delete top;
  delete context;
  return 0;
}
`;
}

/** The C++ of stream mode (see the file comment); a stub when the design has no streams. */
function streamMode(d: HarnessDesign, maxWords: number): string {
  if (d.inStreams.length === 0 && d.outStreams.length === 0 || !d.hasClock) {
    return `
static void runStreams() {
  fail("stream mode needs a clocked design with streamIn/streamOut ports", 0);
}
`;
  }
  const streamPorts = new Set(d.inStreams.concat(d.outStreams).flatMap((s) => [s.payload.name, s.valid.name, s.ready.name]));
  const others = d.inputs.filter((p) => p.name !== 'rst' && !streamPorts.has(p.name));
  const nIn = d.inStreams.length;
  const nOut = d.outStreams.length;
  const lines: string[] = [];
  const L = (s: string) => lines.push(s);
  L(`
// mulberry32, as src/data/rng.ts
static uint32_t rngState = 0;
static double rand01() {
  rngState += 0x6d2b79f5u;
  uint32_t t = rngState;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
}

struct InStream { int nw; std::vector<uint32_t> data; size_t count = 0, next = 0; bool holding = false; std::vector<uint64_t> fires; };
struct OutStream { int nw; int width; std::vector<uint32_t> data; size_t expect = 0, got = 0; std::vector<uint64_t> fires; };

static void putFires(const std::vector<uint64_t>& fires) {
  std::string s;
  for (size_t i = 0; i < fires.size(); i++) {
    if (i) s.push_back(' ');
    s += std::to_string(fires[i]);
  }
  s.push_back('\\n');
  std::fwrite(s.data(), 1, s.size(), stdout);
}

static void runStreams() {
  char* line = nullptr;
  size_t cap = 0;
  long lineNo = 0;
  const char* cursor;
  const char* tok = nullptr;
  size_t tokLen = 0;
  uint32_t w[${maxWords}];
  static const uint32_t zero[${maxWords}] = {0};
  if (!readLine(&line, &cap, &lineNo)) fail("missing configuration line", lineNo);
  unsigned long seed = 0, watchdog = 0, resetCycles = 0;
  unsigned long long maxCycles = 0;
  double pValid = 0, pReady = 0;
  if (std::sscanf(line, "%lu %lf %lf %lu %llu %lu", &seed, &pValid, &pReady, &watchdog, &maxCycles, &resetCycles) != 6) fail("bad configuration line", lineNo);
  rngState = static_cast<uint32_t>(seed);
  if (!readLine(&line, &cap, &lineNo)) fail("missing constant inputs line", lineNo);
  cursor = line;`);
  for (const p of others) {
    L(`  if (!nextToken(&cursor, &tok, &tokLen) || !parseHex(tok, tokLen, w, ${words(p.width)})) fail("bad value for input ${p.name}", lineNo);`);
    L(setPort(p, 'w', '  '));
  }
  L(`  InStream in[${Math.max(1, nIn)}];
  OutStream out[${Math.max(1, nOut)}];`);
  d.inStreams.forEach((s, i) => {
    L(`  in[${i}].nw = ${words(s.payload.width)};
  if (!readLine(&line, &cap, &lineNo)) fail("missing words of input stream ${s.name}", lineNo);
  cursor = line;
  if (!nextToken(&cursor, &tok, &tokLen)) fail("missing word count of ${s.name}", lineNo);
  in[${i}].count = std::strtoull(std::string(tok, tokLen).c_str(), nullptr, 10);
  in[${i}].data.resize(in[${i}].count * in[${i}].nw);
  for (size_t k = 0; k < in[${i}].count; k++) {
    if (!nextToken(&cursor, &tok, &tokLen) || !parseHex(tok, tokLen, &in[${i}].data[k * in[${i}].nw], in[${i}].nw)) fail("bad word in input stream ${s.name}", lineNo);
  }`);
  });
  L(`  if (!readLine(&line, &cap, &lineNo)) fail("missing expected output counts", lineNo);
  cursor = line;`);
  d.outStreams.forEach((s, i) => {
    L(`  out[${i}].nw = ${words(s.payload.width)};
  out[${i}].width = ${s.payload.width};
  if (!nextToken(&cursor, &tok, &tokLen)) fail("missing expected count of ${s.name}", lineNo);
  out[${i}].expect = std::strtoull(std::string(tok, tokLen).c_str(), nullptr, 10);
  out[${i}].data.resize(out[${i}].expect * out[${i}].nw);`);
  });
  // reset, with every valid and ready low
  L(`  for (unsigned long r = 0; r < resetCycles; r++) {`);
  if (d.hasReset) L(`    top->rst = 1;`);
  for (const s of d.inStreams) L(`    top->${s.valid.name} = 0;`);
  for (const s of d.outStreams) L(`    top->${s.ready.name} = 0;`);
  L(`    settle();
    clockEdge();
  }`);
  if (d.hasReset) L(`  top->rst = 0;`);
  L(`  uint64_t start = cycle, idle = 0;
  const char* status = "ok";
  for (;;) {
    bool done = true;`);
  d.outStreams.forEach((_, i) => L(`    if (out[${i}].got < out[${i}].expect) done = false;`));
  L(`    if (done) break;
    if (idle >= watchdog) { status = "watchdog"; break; }
    if (cycle - start >= maxCycles) { status = "maxcycles"; break; }`);
  d.inStreams.forEach((s, i) => {
    L(`    if (!in[${i}].holding && in[${i}].next < in[${i}].count) in[${i}].holding = rand01() < pValid;
    top->${s.valid.name} = in[${i}].holding ? 1 : 0;
${setPort(s.payload, `(in[${i}].next < in[${i}].count ? &in[${i}].data[in[${i}].next * in[${i}].nw] : zero)`, '    ')}`);
  });
  d.outStreams.forEach((s, i) => L(`    const bool ready${i} = rand01() < pReady;\n    top->${s.ready.name} = ready${i} ? 1 : 0;`));
  L(`    settle();
    bool moved = false;`);
  d.inStreams.forEach((s, i) => {
    L(`    if (in[${i}].holding && top->${s.ready.name}) {
      in[${i}].fires.push_back(cycle - start);
      in[${i}].next++;
      in[${i}].holding = false;
      moved = true;
    }`);
  });
  d.outStreams.forEach((s, i) => {
    L(`    if (ready${i} && top->${s.valid.name}) {
      if (out[${i}].got < out[${i}].expect) {
${getPort(s.payload, `(&out[${i}].data[out[${i}].got * out[${i}].nw])`, '        ')}
      }
      out[${i}].got++;
      out[${i}].fires.push_back(cycle - start);
      moved = true;
    }`);
  });
  L(`    idle = moved ? 0 : idle + 1;
    clockEdge();
  }
  std::printf("%s %llu\\n", status, static_cast<unsigned long long>(cycle - start));
  std::string text;`);
  d.outStreams.forEach((_, i) => {
    L(`  text.clear();
  for (size_t k = 0; k < out[${i}].got && k < out[${i}].expect; k++) {
    if (k) text.push_back(' ');
    putHex(text, &out[${i}].data[k * out[${i}].nw], out[${i}].width);
  }
  text.push_back('\\n');
  std::fwrite(text.data(), 1, text.size(), stdout);`);
  });
  d.outStreams.forEach((_, i) => L(`  putFires(out[${i}].fires);`));
  d.inStreams.forEach((_, i) => L(`  putFires(in[${i}].fires);`));
  L(`  std::free(line);
}
`);
  return lines.join('\n');
}
