/** Clip colours, by id so a clip keeps its colour in the list and on the timeline. */
const PALETTE = ['#e0a030', '#4fa3e0', '#5cc078', '#d0604f', '#a07be0', '#40c0c0', '#e07bb8', '#b0b040'];

export function clipColor(clipId: number): string {
  return PALETTE[clipId % PALETTE.length];
}
