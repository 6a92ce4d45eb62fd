import { HdlError } from './errors.ts';

/**
 * Words a signal, module or instance may not be called: Verilog-2005 and SystemVerilog
 * keywords (tools read the files in either mode) and C++ keywords (Verilator turns ports into
 * C++ members of the simulation model).
 */
const RESERVED = new Set(
  (
    'always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign default defparam design ' +
    'disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive endspecify endtable endtask ' +
    'event for force forever fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input ' +
    'instance integer join large liblist library localparam macromodule medium module nand negedge nmos nor ' +
    'noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown pullup ' +
    'pulsestyle_ondetect pulsestyle_onevent rcmos real realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 ' +
    'scalared showcancelled signed small specify specparam strong0 strong1 supply0 supply1 table task time tran ' +
    'tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor ' +
    // SystemVerilog
    'alias always_comb always_ff always_latch assert assume before bind bins binsof bit break byte chandle class clocking ' +
    'const constraint context continue cover covergroup coverpoint cross dist do endclass endclocking endgroup ' +
    'endinterface endpackage endprogram endproperty endsequence enum expect export extends extern final first_match ' +
    'foreach forkjoin iff ignore_bins illegal_bins import inside int interface intersect join_any join_none local logic ' +
    'longint matches modport new null package packed priority program property protected pure rand randc randcase ' +
    'randsequence ref return sequence shortint shortreal solve static string struct super tagged this throughout ' +
    'timeprecision timeunit type typedef union unique var virtual void wait_order wildcard with within ' +
    // C++
    'auto bool case catch char char16_t char32_t const_cast decltype delete double dynamic_cast explicit false float ' +
    'friend goto inline long mutable namespace noexcept nullptr operator private public register reinterpret_cast ' +
    'short sizeof static_assert static_cast switch template thread_local throw true try typeid typename unsigned using ' +
    'volatile wchar_t ' +
    // members of the C++ class Verilator generates for a module (a port with one of these names does not compile)
    'eval eval_step eval_end_step eventsPending nextTimeSlot hierName modelName name threads contextp rootp vlSymsp ' +
    'trace traceBaseModelCbAdd prepareClone atClone'
  ).split(/\s+/),
);

/** Checks that `name` is a plain identifier usable in Verilog and C++ (letters, digits, `_`). */
export function checkIdentifier(name: string, what: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new HdlError(`${what} '${name}' is not a valid identifier (letters, digits and _, starting with a letter)`);
  }
  if (RESERVED.has(name)) throw new HdlError(`${what} '${name}' is a reserved word in Verilog or C++; choose another name`);
  if (name.includes('__')) throw new HdlError(`${what} '${name}' contains '__', which Verilator reserves`);
}
