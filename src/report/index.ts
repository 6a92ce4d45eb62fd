export { buildReport, STREAM_SAMPLE_RATE_HZ, DEFAULT_WINDOW_SAMPLES, type DesignReport, type TargetRow, type LayerRow, type ReportInputs, type CycleFigure } from './build.ts';
export { CosimSummarySchema, readCosimSummary, modelMetrics, metricsFileAccuracy, type CosimSummary, type ModelMetrics, type MeasuredAccuracy } from './inputs.ts';
export { loadDesignReport, findSynthResults, type LoadReportOptions } from './load.ts';
export { renderReport, parseReportFormat, REPORT_FORMATS, type ReportFormat } from './render.ts';
export { reportsToCsv, CSV_HEADER } from './format-csv.ts';
export { reportToMarkdown } from './format-md.ts';
export { reportToLatex } from './format-tex.ts';
export { paretoSvg } from './svg.ts';
export { paretoFlags, paretoFront, type ParetoPoint } from './pareto.ts';
