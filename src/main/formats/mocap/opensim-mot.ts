/**
 * OpenSim storage files (.mot / .sto): inverse-kinematics angles, ground reaction forces, any
 * table of numbers against time.
 *
 * Layout: header lines up to a line `endheader`, then one line of column names, then one row of
 * numbers per line, separated by tabs or spaces. The header is either the current key=value form
 * (`version=1`, `nRows=…`, `nColumns=…`, `inDegrees=yes|no`) or the older SIMM form (`name …`,
 * `datacolumns N`, `datarows N`, `range a b`); free text lines are kept as they are. Real files
 * disagree with their own nRows/datarows (OpenSim's examples do), so the row count is a warning, not
 * an error; the column count is enforced on every row.
 */
import { formatError, readBytes } from '../io';

export interface MotTable {
  /** First header line (OpenSim writes the table's name there). */
  name: string;
  /** key → value of the header's key=value (or "key value") lines. */
  header: Record<string, string>;
  /** inDegrees from the header: true / false, or null when the header does not say. */
  inDegrees: boolean | null;
  /** Column names, the first usually "time". */
  columns: string[];
  /** One array per column, in `columns` order; NaN for "nan" cells. */
  data: Float64Array[];
  /** Number of data rows. */
  rows: number;
  /** Inconsistencies that did not stop the reading (e.g. nRows disagreeing with the rows). */
  warnings: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i;

/** Parses .mot/.sto text; `file` names the file in error messages. */
export function parseMot(text: string, file: string): MotTable {
  const lines = text.split(/\r?\n/);
  const end = lines.findIndex((l) => l.trim().toLowerCase() === 'endheader');
  if (end < 0) throw formatError(file, 'has no "endheader" line; not an OpenSim .mot/.sto file');
  const header: Record<string, string> = {};
  for (const raw of lines.slice(0, end)) {
    const l = raw.trim();
    const eq = /^([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(l);
    const sp = /^(datacolumns|datarows|range|name)\s+(.*)$/i.exec(l);
    const m = eq ?? sp;
    if (m) header[m[1]] = m[2].trim();
  }
  const deg = header.inDegrees?.toLowerCase();
  const inDegrees = deg === 'yes' || deg === 'true' ? true : deg === 'no' || deg === 'false' ? false : null;

  let c = end + 1;
  while (c < lines.length && lines[c].trim() === '') c++;
  if (c >= lines.length)
    throw formatError(file, `line ${end + 2}: expected the column names after "endheader"`);
  const columns = lines[c].trim().split(/\s+/);
  const dup = columns.find((n, i) => columns.indexOf(n) !== i);
  if (dup) throw formatError(file, `line ${c + 1}: column "${dup}" appears twice`);
  if (columns.every((n) => NUMBER.test(n))) {
    throw formatError(file, `line ${c + 1}: expected column names after "endheader", found numbers`);
  }
  const W = columns.length;
  const values: number[][] = columns.map(() => []);
  for (let i = c + 1; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '') continue;
    const cells = l.split(/\s+/);
    if (cells.length !== W) {
      const last = lines.slice(i + 1).every((x) => x.trim() === '');
      throw formatError(
        file,
        `line ${i + 1}: ${cells.length} values, expected ${W} (one per column)${last ? '; the file looks truncated' : ''}`,
      );
    }
    cells.forEach((cell, k) => {
      if (!NUMBER.test(cell)) {
        throw formatError(file, `line ${i + 1}, column ${k + 1} (${columns[k]}): "${cell}" is not a number`);
      }
      values[k].push(/nan/i.test(cell) ? NaN : Number(cell.replace(/inf(inity)?$/i, 'Infinity')));
    });
  }
  const rows = values[0].length;
  if (rows === 0) throw formatError(file, 'has no data rows');
  const warnings: string[] = [];
  const declaredCols = Number(header.nColumns ?? header.datacolumns);
  if (Number.isFinite(declaredCols) && declaredCols !== W) {
    warnings.push(`header declares ${declaredCols} columns, the table has ${W}`);
  }
  const declaredRows = Number(header.nRows ?? header.datarows);
  if (Number.isFinite(declaredRows) && declaredRows !== rows) {
    warnings.push(`header declares ${declaredRows} rows, the table has ${rows}`);
  }
  return {
    name: lines[0].trim(),
    header,
    inDegrees,
    columns,
    data: values.map((v) => Float64Array.from(v)),
    rows,
    warnings,
  };
}

/** Reads a .mot or .sto file. */
export function readMot(path: string): MotTable {
  return parseMot(new TextDecoder('utf-8').decode(readBytes(path)), path);
}

/** One column by name; throws naming the file's columns when it is absent. */
export function motColumn(table: MotTable, name: string): Float64Array {
  const k = table.columns.indexOf(name);
  if (k < 0) {
    throw new Error(
      `No column "${name}" in ${table.name || 'the table'}; columns: ${table.columns.join(', ')}`,
    );
  }
  return table.data[k];
}
