/**
 * `kinema recognize`, `kinema recognize --retrieve` and `kinema detect-actions` against the built
 * app, on a generated project: three videos whose pose tracks are synthetic athletes walking,
 * squatting and standing (tests/helpers/actions.ts) at different speeds and directions; walks and
 * squats of two videos are labelled clips, the third video's are unlabelled clips to classify, and
 * a fourth video has a clip but no poses.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack } from '../../src/shared/pose';
import { temporalIou } from '../../src/shared/actions';
import { actionTrack, type ActionSegment } from '../helpers/actions';
import { assertBuilt, cli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('actions-cli-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'actions.kinema');
const run = (args: string[], p = project) => cli([...args, '--project', p], env);
const FPS = 30;

const VIDEOS: ActionSegment[][] = [
  [
    { kind: 'stand', frames: 20 },
    { kind: 'walk', frames: 66 },
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 48 },
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 48 },
    { kind: 'stand', frames: 20 },
    { kind: 'walk', frames: 66 },
    { kind: 'stand', frames: 20 },
  ],
  [
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 44, period: 44 / FPS },
    { kind: 'stand', frames: 20 },
    { kind: 'walk', frames: 72, period: 1.2 },
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 52, period: 52 / FPS },
    { kind: 'stand', frames: 20 },
  ],
  [
    { kind: 'stand', frames: 15 },
    { kind: 'walk', frames: 60, period: 1.0, dir: -1 },
    { kind: 'stand', frames: 15 },
    { kind: 'squat', frames: 50, period: 50 / FPS },
    { kind: 'stand', frames: 15 },
  ],
];

interface Range {
  video: number;
  kind: string;
  inFrame: number;
  outFrame: number;
  clipId: number;
}
const clips: Range[] = [];

function ok(args: string[]): string {
  const r = run(args);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  assertBuilt();
  ok(['init']);
  VIDEOS.forEach((segments, v) => {
    const videoId = v + 1;
    const { rows, ranges } = actionTrack(segments, { fps: FPS });
    const path = join(tmp.dir, `athlete${videoId}.mp4`);
    makeVideo(path, { width: 1280, height: 720, fps: FPS, seconds: rows.length / FPS });
    expect(ok(['import', path])).toContain(`Imported video ${videoId}`);
    const poses = join(tmp.dir, `athlete${videoId}_coco.json`);
    writeCocoKeypoints(poses, {
      video: { width: 1280, height: 720, fps: FPS, frameCount: rows.length, name: `athlete${videoId}` },
      tracks: [buildTrack(0, 'coco17', rows)],
      provenance: { model: 'synthetic athlete', params: {} },
    });
    ok(['import-poses', poses, '--video', String(videoId), '--format', 'coco']);
    for (const r of ranges) {
      if (r.kind === 'stand') continue;
      // Videos 1 and 2 are the labelled examples; video 3's clips are to be recognised.
      const label = videoId === 3 ? '' : r.kind === 'walk' ? 'Walk' : 'Squat';
      const out = ok([
        'clip-add',
        '--video',
        String(videoId),
        '--in',
        String(r.inFrame),
        '--out',
        String(r.outFrame),
        '--label',
        label,
        '--json',
      ]);
      clips.push({ video: videoId, ...r, clipId: (JSON.parse(out) as { id: number }).id });
    }
  });
  // A fourth video with a clip but no poses.
  makeVideo(join(tmp.dir, 'noposes.mp4'), { width: 320, height: 240, fps: FPS, seconds: 1 });
  ok(['import', join(tmp.dir, 'noposes.mp4')]);
  ok(['clip-add', '--video', '4', '--in', '0', '--out', '20', '--label', 'Walk']);
}, 170_000);
afterAll(() => tmp.cleanup());

describe('kinema recognize', () => {
  it('labels the unlabelled walk and squat, and is right for every labelled clip left out in turn', () => {
    const out = ok(['recognize']);
    const [walk3, squat3] = clips.filter((c) => c.video === 3);
    expect(out).toMatch(new RegExp(`clip ${walk3.clipId} \\(athlete3\\.mp4 [^)]*\\): Walk `));
    expect(out).toMatch(new RegExp(`clip ${squat3.clipId} \\(athlete3\\.mp4 [^)]*\\): Squat `));
    expect(out).toContain('Accuracy: 100.0 % (7/7)');
    expect(out).toMatch(/Confusion matrix:\ntruth \\ predicted\s+Squat\s+Walk\nSquat\s+4\s+0\nWalk\s+0\s+3/);
    // The clip without poses is left out with the reason and what to do.
    expect(out).toMatch(
      /Note: Left out clip \d+ "Walk" \(noposes\.mp4\): no poses in its frames \(run Detect poses on it\)/,
    );

    const json = JSON.parse(ok(['recognize', '--k', '3', '--json'])) as {
      k: number;
      features: string;
      evaluation: { accuracy: number; counts: number[][] };
      predictions: { clipId: number; predicted: string }[];
    };
    expect(json).toMatchObject({ k: 3, features: 'bones,angles' });
    expect(json.evaluation.accuracy).toBe(1);
    expect(json.predictions.map((p) => p.predicted)).toEqual(['Walk', 'Squat']);
  });

  it('recognises with the linear classifier (--method linear): the same labels, with probabilities', () => {
    const out = ok(['recognize', '--method', 'linear']);
    const [walk3, squat3] = clips.filter((c) => c.video === 3);
    expect(out).toContain('Features: bones,angles; linear classifier (softmax over pooled clip features)');
    expect(out).toMatch(
      new RegExp(`clip ${walk3.clipId} \\(athlete3\\.mp4 [^)]*\\): Walk {2}probability [01]\\.\\d{3}`),
    );
    expect(out).toMatch(
      new RegExp(`clip ${squat3.clipId} \\(athlete3\\.mp4 [^)]*\\): Squat {2}probability [01]\\.\\d{3}`),
    );
    expect(out).toContain('Accuracy: 100.0 % (7/7)');
    expect(out).toMatch(/Confusion matrix:\ntruth \\ predicted\s+Squat\s+Walk\nSquat\s+4\s+0\nWalk\s+0\s+3/);

    const json = JSON.parse(ok(['recognize', '--method', 'linear', '--json'])) as {
      method: string;
      k: number | null;
      predictions: { predicted: string; confidence: number; probabilities: { label: string }[] }[];
    };
    expect(json).toMatchObject({ method: 'linear', k: null });
    expect(json.predictions.map((p) => p.predicted)).toEqual(['Walk', 'Squat']);
    for (const p of json.predictions) {
      expect(p.confidence).toBeGreaterThan(0.5);
      expect(p.probabilities.map((q) => q.label).sort()).toEqual(['Squat', 'Walk']);
    }
  });

  it('falls back to the pose features, saying so, when the embeddings asked for are missing', () => {
    const out = ok(['recognize', '--features', 'vipe']);
    expect(out).toMatch(
      /Note: No "vipe" embeddings for clip \d+ .*compared everything on the pose features \(bones,angles\) instead\. Compute them with: kinema embed 1/,
    );
    expect(out).toContain('Features: bones,angles');
    expect(out).toContain('Accuracy: 100.0 % (7/7)');
  });

  it('retrieves the other squats first for a squat clip, never the clip itself', () => {
    const query = clips.find((c) => c.video === 1 && c.kind === 'squat')!;
    const r = JSON.parse(ok(['recognize', '--retrieve', String(query.clipId), '--top', '4', '--json'])) as {
      results: { videoId: number; inFrame: number; outFrame: number; cost: number }[];
    };
    expect(r.results).toHaveLength(4);
    const others = clips.filter((c) => c.kind === 'squat' && c !== query);
    for (const m of r.results) {
      const hit = others.find((c) => c.video === m.videoId && temporalIou(c, m) >= 0.5);
      expect(hit, JSON.stringify(m)).toBeDefined();
    }
    const text = ok(['recognize', '--retrieve', String(query.clipId), '--top', '2']);
    expect(text).toMatch(
      / 1\. athlete\d\.mp4 \(video \d\) frames \d+–\d+ {2}cost 0\.\d{3} {2}in clip \d+ "Squat"/,
    );
  });
});

describe('kinema detect-actions', () => {
  it('finds every labelled squat of a video and nothing else', () => {
    const out = ok(['detect-actions', '--label', 'Squat', '--video', '1']);
    expect(out).toMatch(/2 occurrence\(s\):/);
    expect(out).toMatch(/Precision 100\.0 %, recall 100\.0 %/);
  });

  it("over every video also finds the third video's unlabelled squat, which lowers precision", () => {
    const r = JSON.parse(ok(['detect-actions', '--label', 'squat', '--json'])) as {
      precision: number;
      recall: number;
      occurrences: { videoId: number; inFrame: number; outFrame: number; matchedClipId: number | null }[];
    };
    expect(r.recall).toBe(1);
    const unlabelled = r.occurrences.filter((o) => o.matchedClipId === null);
    expect(unlabelled).toHaveLength(1);
    const squat3 = clips.find((c) => c.video === 3 && c.kind === 'squat')!;
    expect(temporalIou(squat3, unlabelled[0])).toBeGreaterThanOrEqual(0.5);
    expect(r.precision).toBeCloseTo(4 / 5);
  });

  it('refuses bad input with the reason', () => {
    const bad = (args: string[], message: RegExp, p = project) => {
      const r = run(args, p);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
    };
    bad(['detect-actions', '--label', 'Jump'], /No clip is labelled "Jump" \(labels: "Walk", "Squat"\)/);
    bad(['detect-actions'], /--label is required/);
    bad(
      ['detect-actions', '--label', 'Squat', '--threshold', '0'],
      /--threshold must be a relative cost above 0/,
    );
    bad(['detect-actions', '--label', 'Squat', '--video', '4'], /noposes\.mp4 has no poses to search/);
    bad(['recognize', '--features', 'bones,wings'], /--features: "bones,wings" is neither pose features/);
    bad(['recognize', '--k', '0'], /--k must be a whole number ≥ 1/);
    bad(['recognize', '--method', 'svm'], /--method must be knn-dtw or linear/);
    bad(['recognize', '--method', 'linear', '--k', '3'], /the linear classifier has none/);
    const noPosesClip = clips.length + 1;
    bad(['recognize', '--retrieve', String(noPosesClip)], /has no poses: run Detect poses on it first/);
    const empty = join(tmp.dir, 'empty.kinema');
    expect(cli(['init', '--project', empty], env).code).toBe(0);
    bad(['recognize'], /This project has no clips: mark a few examples of each action/, empty);
  });
});
