import { UserError } from '../cli/errors.ts';
import type { DesignReport } from './build.ts';
import { reportsToCsv } from './format-csv.ts';
import { reportToMarkdown } from './format-md.ts';
import { reportToLatex } from './format-tex.ts';

export const REPORT_FORMATS = ['md', 'csv', 'tex', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function parseReportFormat(s: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(s)) return s as ReportFormat;
  throw new UserError(`unknown report format '${s}': choose one of ${REPORT_FORMATS.join(', ')}`);
}

export function renderReport(report: DesignReport, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return reportToMarkdown(report);
    case 'csv':
      return reportsToCsv([report]);
    case 'tex':
      return reportToLatex(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
  }
}
