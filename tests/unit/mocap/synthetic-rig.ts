/** Builds BVH text for a synthetic skeleton given as [name, parent, offset, End Site offset?]. */
export type JointSpec = [
  name: string,
  parent: string | null,
  offset: [number, number, number],
  end?: [number, number, number],
];

export function rigBvh(joints: JointSpec[], rows: number[][]): string {
  const out: string[] = ['HIERARCHY'];
  const children = (p: string | null) => joints.filter((j) => j[1] === p);
  const emit = (j: JointSpec, depth: number) => {
    const pad = '  '.repeat(depth);
    out.push(
      `${pad}${j[1] === null ? 'ROOT' : 'JOINT'} ${j[0]}`,
      `${pad}{`,
      `${pad}  OFFSET ${j[2].join(' ')}`,
    );
    out.push(
      `${pad}  CHANNELS ${j[1] === null ? '6 Xposition Yposition Zposition ' : '3 '}Zrotation Xrotation Yrotation`,
    );
    for (const c of children(j[0])) emit(c, depth + 1);
    if (j[3]) out.push(`${pad}  End Site`, `${pad}  {`, `${pad}    OFFSET ${j[3].join(' ')}`, `${pad}  }`);
    out.push(`${pad}}`);
  };
  for (const r of children(null)) emit(r, 0);
  out.push('MOTION', `Frames: ${rows.length}`, 'Frame Time: 0.0083333', ...rows.map((r) => r.join(' ')));
  return out.join('\n') + '\n';
}

/** Rest-pose rows: root at `rootPos`, every rotation 0. */
export function restRows(joints: JointSpec[], frames: number, rootPos: [number, number, number]): number[][] {
  const n = 6 + (joints.length - 1) * 3;
  return Array.from({ length: frames }, () => [...rootPos, ...new Array<number>(n - 3).fill(0)]);
}

/** Mirror a left-side joint list to the right: names via `rename`, x negated. */
export function mirror(specs: JointSpec[], rename: (n: string) => string): JointSpec[] {
  const flip = (v?: [number, number, number]): [number, number, number] | undefined =>
    v ? [-v[0], v[1], v[2]] : undefined;
  return specs.map(
    ([n, p, o, e]) =>
      [rename(n), p && specs.some((s) => s[0] === p) ? rename(p) : p, flip(o)!, flip(e)] as JointSpec,
  );
}
