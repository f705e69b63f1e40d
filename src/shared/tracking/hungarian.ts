/**
 * Minimum-cost assignment (the Hungarian algorithm, in the shortest-augmenting-path form with
 * potentials: O(n² m) for n ≤ m). Rectangular matrices are solved on their transpose when they have
 * more rows than columns, so every row (or every column) is assigned.
 *
 * Entries that are not finite (`Infinity`, `NaN`) are forbidden pairs: they are never returned. The
 * solver gives them a cost larger than any difference between finite solutions, so it first
 * maximises the number of allowed pairs and then minimises their total cost.
 */

export interface Assignment {
  /** Per row: the assigned column, or -1. */
  rowToCol: Int32Array;
  /** Per column: the assigned row, or -1. */
  colToRow: Int32Array;
  /** Sum of the costs of the returned pairs. */
  cost: number;
}

/** Solves the assignment problem for `cost[row][col]`. */
export function hungarian(cost: readonly ArrayLike<number>[], cols?: number): Assignment {
  const n = cost.length;
  const m = cols ?? (n ? cost[0].length : 0);
  const rowToCol = new Int32Array(n).fill(-1);
  const colToRow = new Int32Array(m).fill(-1);
  if (n === 0 || m === 0) return { rowToCol, colToRow, cost: 0 };

  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (cost[i].length !== m)
      throw new Error(`hungarian: row ${i} has ${cost[i].length} columns, expected ${m}`);
    for (let j = 0; j < m; j++) {
      const c = cost[i][j];
      if (Number.isFinite(c)) {
        if (c < lo) lo = c;
        if (c > hi) hi = c;
      }
    }
  }
  if (lo === Infinity) return { rowToCol, colToRow, cost: 0 };
  const k = Math.min(n, m);
  const big = hi + (hi - lo + 1) * (k + 1);

  // a[r][c] with r over the smaller dimension.
  const transpose = n > m;
  const rows = transpose ? m : n;
  const colsN = transpose ? n : m;
  const a = new Float64Array(rows * colsN);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < colsN; c++) {
      const v = transpose ? cost[c][r] : cost[r][c];
      a[r * colsN + c] = Number.isFinite(v) ? v : big;
    }
  }

  // 1-based potentials and matching, column 0 is the virtual start.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(colsN + 1);
  const p = new Int32Array(colsN + 1);
  const way = new Int32Array(colsN + 1);
  const minv = new Float64Array(colsN + 1);
  const used = new Uint8Array(colsN + 1);
  for (let i = 1; i <= rows; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= colsN; j++) {
        if (used[j]) continue;
        const cur = a[(i0 - 1) * colsN + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= colsN; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }

  let total = 0;
  for (let j = 1; j <= colsN; j++) {
    if (p[j] === 0) continue;
    const r = transpose ? j - 1 : p[j] - 1;
    const c = transpose ? p[j] - 1 : j - 1;
    const value = cost[r][c];
    if (!Number.isFinite(value)) continue;
    rowToCol[r] = c;
    colToRow[c] = r;
    total += value;
  }
  return { rowToCol, colToRow, cost: total };
}
