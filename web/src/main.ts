/**
 * The reference web app: sign in, upload, watch the pipeline live, read insights with charts, export or
 * delete the account. Everything it does with the backend goes through @clarity/client; every screen
 * follows Firestore live (onSnapshot).
 */
import { initializeApp } from 'firebase/app';
import {
  GoogleAuthProvider,
  OAuthProvider,
  createUserWithEmailAndPassword,
  getAuth,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut,
  type User,
} from 'firebase/auth';
import { doc, getFirestore, onSnapshot, type Unsubscribe } from 'firebase/firestore';
import {
  connectEmulators,
  createClarityClient,
  stageNames,
  type Analysis,
  type CareTeamPatient,
  type ClarityClient,
  type Insight,
  type InsightItem,
  type Job,
  type Upload,
} from '@clarity/client';
import { loadConfig } from './config.ts';
import { fill, h } from './dom.ts';
import { formatNumber, formatTime, locale, locales, setLocale, t, type Key, type Locale } from './i18n.ts';
import type { ChartSpec } from './charts.ts';
import './styles.css';

interface TrendsData {
  metric: string;
  unit: string | null;
  points: { period: string; value: number | null }[];
  statistics: {
    theilSen: { slopePerPeriod: number | null };
    mannKendall: { p: number | null; trend: string };
  };
}

interface State {
  user: User | null;
  roles: string[];
  uploadId: string | null;
  upload: Upload | undefined;
  progress: { sent: number; total: number } | null;
  jobs: Job[];
  insights: Insight[];
  analysis: Analysis | undefined;
  careTeam: string[];
  message: string | null;
  feedback: Record<string, boolean>;
  /** Clinicians and admins: the people whose care team includes the user (GET /v1/care-team/patients). */
  patients: CareTeamPatient[];
  patientsCursor: string | null;
  patientsStatus: 'idle' | 'loading' | 'loaded' | 'error';
  /** The person whose newest insight is shown (read through the audited API), and that insight. */
  selectedPatient: string | null;
  patientInsight: InsightItem | null | undefined;
  patientsError: string | null;
}

const state: State = {
  user: null,
  roles: [],
  uploadId: null,
  upload: undefined,
  progress: null,
  jobs: [],
  insights: [],
  analysis: undefined,
  careTeam: [],
  message: null,
  feedback: {},
  patients: [],
  patientsCursor: null,
  patientsStatus: 'idle',
  selectedPatient: null,
  patientInsight: undefined,
  patientsError: null,
};

const config = await loadConfig();
const app = initializeApp(config.firebase);
const auth = getAuth(app);
const db = getFirestore(app);
if (config.emulators) connectEmulators(auth, db, config.emulators);
const client: ClarityClient = createClarityClient({
  app,
  auth,
  db,
  apiBaseUrl: config.apiBaseUrl,
  uploadPath: config.uploadPath,
  ...(config.emulators?.storagePort
    ? { storageEmulator: { host: config.emulators.host, port: config.emulators.storagePort } }
    : {}),
});

const root = document.getElementById('app') as HTMLElement;
setLocale(locale());

// ---- live listeners -------------------------------------------------------------------------------------

let listeners: Unsubscribe[] = [];
let uploadListener: Unsubscribe | undefined;
let analysisListener: Unsubscribe | undefined;
let analysisId: string | null = null;

function stopListeners(): void {
  for (const u of listeners) u();
  listeners = [];
  uploadListener?.();
  analysisListener?.();
  uploadListener = analysisListener = undefined;
  analysisId = null;
}

function startListeners(user: User): void {
  listeners.push(
    client.watchJobs((jobs) => {
      state.jobs = jobs;
      renderPipeline();
    }),
    client.watchInsights((insights) => {
      state.insights = insights;
      const newest = insights[0];
      if (newest && newest.analysisId !== analysisId) followAnalysis(newest.analysisId);
      renderInsights();
    }),
    onSnapshot(doc(db, 'users', user.uid), (s) => {
      const team: unknown = s.get('careTeam');
      state.careTeam = Array.isArray(team) ? team.filter((x): x is string => typeof x === 'string') : [];
      renderAccount();
    }),
  );
}

function followUpload(uploadId: string): void {
  uploadListener?.();
  state.uploadId = uploadId;
  state.upload = undefined;
  uploadListener = client.watchUpload(uploadId, (u) => {
    state.upload = u;
    renderUploadStatus();
    renderPipeline();
  });
}

function followAnalysis(id: string): void {
  analysisListener?.();
  analysisId = id;
  analysisListener = client.watchAnalysis(id, (a) => {
    const changed = a?.updatedAt !== state.analysis?.updatedAt || a?.id !== state.analysis?.id;
    state.analysis = a;
    renderInsights();
    if (changed) void renderCharts();
  });
}

// ---- screens --------------------------------------------------------------------------------------------

function header(): HTMLElement {
  const select = h(
    'select',
    {
      id: 'locale',
      'aria-label': t('language'),
      onchange: (e: Event) => {
        setLocale((e.target as HTMLSelectElement).value as Locale);
        render();
      },
    },
    ...locales.map((l) =>
      h('option', { value: l, selected: l === locale() }, { en: 'English', es: 'Español', de: 'Deutsch' }[l]),
    ),
  );
  return h(
    'header',
    { class: 'top' },
    h('h1', {}, t('appName')),
    h('div', { class: 'row' }, h('label', { for: 'locale' }, t('language')), select),
    state.user
      ? h('button', { type: 'button', id: 'sign-out', onclick: () => void signOut(auth) }, t('signOut'))
      : null,
  );
}

/**
 * The request-signing key that export, care-team changes and deletion need: the server hands it out only
 * right after a sign-in (functions/README-security.md), so the app asks for it then and keeps it in memory.
 */
async function fetchSigningKey(): Promise<void> {
  await client.signingKey();
}

function signInScreen(): HTMLElement {
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'password',
    type: 'password',
    autocomplete: 'current-password',
    minlength: 6,
    required: true,
  });
  const act = (create: boolean) => async (e: Event) => {
    e.preventDefault();
    state.message = null;
    try {
      await (create ? createUserWithEmailAndPassword : signInWithEmailAndPassword)(
        auth,
        email.value,
        password.value,
      );
      await fetchSigningKey();
    } catch (err) {
      state.message = `${t('error')}: ${(err as Error).message}`;
      render();
    }
  };
  const provider = (p: GoogleAuthProvider | OAuthProvider) => () =>
    void signInWithPopup(auth, p)
      .then(fetchSigningKey)
      .catch((err: Error) => {
        state.message = `${t('error')}: ${err.message}`;
        render();
      });
  return h(
    'main',
    { id: 'main', class: 'narrow' },
    h(
      'form',
      { class: 'card', id: 'sign-in', onsubmit: (e: Event) => void act(false)(e) },
      h('h2', {}, t('signIn')),
      h('label', { for: 'email' }, t('email')),
      email,
      h('label', { for: 'password' }, t('password')),
      password,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', id: 'sign-in-submit' }, t('signIn')),
        h('button', { type: 'button', id: 'sign-up', onclick: (e: Event) => void act(true)(e) }, t('signUp')),
      ),
      h('p', { class: 'muted' }, t('orWith')),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', onclick: provider(new GoogleAuthProvider()) }, t('google')),
        h('button', { type: 'button', onclick: provider(new OAuthProvider('apple.com')) }, t('apple')),
      ),
      h('p', { class: 'muted small' }, t('providersNote')),
    ),
    state.message ? h('p', { role: 'alert', class: 'error' }, state.message) : null,
  );
}

const baseSections = ['upload', 'pipeline', 'insights', 'charts', 'account'] as const;
const el: Record<string, HTMLElement> = {};

/** Clinicians and admins also get the read-only care-team screen. */
function privileged(): boolean {
  return state.roles.includes('clinician') || state.roles.includes('admin');
}

type SectionId = (typeof baseSections)[number] | 'patients';

function sections(): SectionId[] {
  return privileged() ? ['patients', ...baseSections] : [...baseSections];
}

function dashboard(): HTMLElement {
  for (const s of sections()) el[s] = h('section', { id: s, 'aria-labelledby': `${s}-title`, class: 'card' });
  if (!privileged()) delete el.patients;
  el.uploadStatus = h('div', { id: 'upload-status', 'aria-live': 'polite' });
  const nav = h(
    'nav',
    { 'aria-label': t('nav') },
    h('ul', {}, ...sections().map((s) => h('li', {}, h('a', { href: `#${s}` }, t(s))))),
  );
  return h('div', {}, nav, h('main', { id: 'main' }, ...sections().map((s) => el[s])));
}

function title(id: string, key: Key): HTMLElement {
  return h('h2', { id: `${id}-title` }, t(key));
}

function renderUpload(): void {
  const file = h('input', {
    id: 'file',
    type: 'file',
    accept: '.zip,.xml,.awd,.AWD,.agd,.csv',
  });
  const zone = h('input', {
    id: 'zone',
    type: 'text',
    value: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const json = h('textarea', { id: 'healthkit-json', rows: 3, spellcheck: false });
  const send = async (e: Event) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return;
    state.progress = { sent: 0, total: f.size };
    renderUploadStatus();
    try {
      const { uploadId } = await client.uploadFile(f, {
        filename: f.name,
        ...(zone.value ? { timezone: zone.value } : {}),
        onProgress: (p) => {
          state.progress = { sent: p.bytesSent, total: p.totalBytes };
          renderUploadStatus();
        },
      });
      followUpload(uploadId);
    } catch (err) {
      uploadFailed(err);
    }
  };
  const sendJson = async (e: Event) => {
    e.preventDefault();
    try {
      const batch = JSON.parse(json.value) as Parameters<ClarityClient['uploadHealthKit']>[0];
      followUpload((await client.uploadHealthKit(batch)).uploadId);
    } catch (err) {
      uploadFailed(err);
    }
  };
  fill(
    el.upload!,
    title('upload', 'upload'),
    h('p', { class: 'intro' }, t('uploadIntro')),
    h(
      'form',
      { id: 'upload-form', onsubmit: (e: Event) => void send(e) },
      h('label', { for: 'file' }, t('pickFile')),
      file,
      h('label', { for: 'zone' }, t('timezone')),
      zone,
      h('button', { type: 'submit', id: 'upload-submit' }, t('send')),
    ),
    h(
      'details',
      {},
      h('summary', {}, t('orPaste')),
      h(
        'form',
        { onsubmit: (e: Event) => void sendJson(e) },
        h('label', { for: 'healthkit-json' }, t('healthKitJson')),
        json,
        h('button', { type: 'submit' }, t('sendJson')),
      ),
    ),
    el.uploadStatus,
  );
  renderUploadStatus();
}

function uploadFailed(err: unknown): void {
  state.message = `${t('error')}: ${(err as Error).message}`;
  renderUploadStatus();
}

function renderUploadStatus(): void {
  const box = el.uploadStatus;
  if (!box) return;
  if (state.progress && !state.upload) renderPipeline();
  const p = state.progress;
  const u = state.upload;
  const counts = (c: { accepted: number; duplicate: number; rejected: number } | null | undefined) =>
    c
      ? `${formatNumber(c.accepted, 0)} ${t('accepted')}, ${formatNumber(c.duplicate, 0)} ${t('duplicate')}, ${formatNumber(c.rejected, 0)} ${t('rejected')}`
      : '–';
  fill(
    box,
    p
      ? h(
          'div',
          {},
          h('label', { for: 'upload-progress' }, t('progress')),
          h('progress', { id: 'upload-progress', max: p.total || 1, value: p.sent }),
        )
      : null,
    state.message ? h('p', { role: 'alert', class: 'error' }, state.message) : null,
    u
      ? h(
          'dl',
          { id: 'upload-doc', 'data-status': u.status },
          h('dt', {}, t('uploadStatus')),
          h('dd', { id: 'upload-state' }, u.status),
          h('dt', {}, t('bytes')),
          h('dd', {}, formatNumber(u.byteSize, 0)),
          h('dt', {}, t('records')),
          h('dd', {}, counts(u.counts)),
          ...Object.entries(u.byType ?? {}).flatMap(([type, c]) => [
            h('dt', {}, type),
            h('dd', {}, counts(c)),
          ]),
          u.rejections.length > 0 || u.error
            ? [
                h('dt', {}, t('rejections')),
                h(
                  'dd',
                  {},
                  h(
                    'ul',
                    {},
                    u.error ? h('li', {}, `${u.error.code}: ${u.error.message}`) : null,
                    ...u.rejections.map((r) =>
                      h('li', {}, `${r.path.join('.')}${r.line ? ` (line ${r.line})` : ''}: ${r.message}`),
                    ),
                  ),
                ),
              ]
            : null,
        )
      : !p
        ? h('p', { class: 'muted' }, t('noUpload'))
        : null,
  );
}

function currentJob(): Job | undefined {
  const id = state.uploadId;
  if (id) {
    const mine = state.jobs.find((j) => j.uploadId === id || (j.uploadIds ?? []).includes(id));
    if (mine) return mine;
  }
  return state.jobs[0];
}

function renderPipeline(): void {
  const box = el.pipeline;
  if (!box) return;
  const job = currentJob();
  const u = state.upload;
  const row = (
    name: string,
    label: string,
    status: string,
    started: unknown,
    finished: unknown,
    note?: string,
  ) =>
    h(
      'tr',
      { 'data-stage': name, 'data-status': status },
      h('th', { scope: 'row' }, label),
      h('td', {}, h('span', { class: `badge ${status}` }, status)),
      h('td', {}, formatTime(started as number | null)),
      h('td', {}, formatTime(finished as number | null)),
      h('td', {}, note ?? ''),
    );
  const ingestStatus = u ? u.status : job ? 'ingested' : state.progress ? 'uploading' : 'pending';
  const times = u?.statusTimes ?? {};
  fill(
    box,
    title('pipeline', 'pipeline'),
    !job && !u && !state.progress
      ? h('p', { class: 'muted' }, t('noJob'))
      : h(
          'div',
          { class: 'scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'pipeline-title' },
          h(
            'table',
            { id: 'timeline', 'data-job-status': job?.status ?? 'none' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t('stage')),
                h('th', { scope: 'col' }, t('status')),
                h('th', { scope: 'col' }, t('started')),
                h('th', { scope: 'col' }, t('finished')),
                h('th', { scope: 'col' }, t('degraded')),
              ),
            ),
            h(
              'tbody',
              {},
              row(
                'ingest',
                t('ingest'),
                ingestStatus,
                times.received ?? times.parsing ?? null,
                times.ingested ?? times.partial ?? times.rejected ?? null,
                u?.error?.message,
              ),
              ...stageNames.map((s) => {
                const st = job?.stages[s];
                return row(
                  s,
                  t(s),
                  st?.status ?? 'pending',
                  st?.startedAt ?? null,
                  st?.finishedAt ?? null,
                  st?.note,
                );
              }),
            ),
          ),
        ),
    job && job.degraded.length > 0
      ? h('p', { class: 'warn', id: 'degraded' }, `${t('degraded')}: ${job.degraded.join('; ')}`)
      : null,
  );
}

function modelLabel(a: Analysis | undefined): string {
  const inf = a?.inference;
  if (!inf || inf.status !== 'done' || !inf.model) return t('noModel');
  const base = `${inf.model.name}@${inf.model.version}`;
  return inf.model.trained ? base : `${base} (${t('untrained')})`;
}

/** Helpful yes/no through the API (POST /v1/health/insights/{id}/feedback), which also counts it. */
async function sendFeedback(insightId: string, helpful: boolean): Promise<void> {
  try {
    await client.sendInsightFeedback(insightId, { helpful });
    state.feedback[insightId] = helpful;
    feedbackError = null;
  } catch (err) {
    feedbackError = `${t('error')}: ${(err as Error).message}`;
  }
  renderInsights();
}
let feedbackError: string | null = null;

/** Insights already reported opened in this session (the API is idempotent; this saves the calls). */
const opened = new Set<string>();
const openObserver =
  typeof IntersectionObserver === 'undefined'
    ? undefined
    : new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            const id = (e.target as HTMLElement).dataset.insight;
            if (!e.isIntersecting || !id || opened.has(id)) continue;
            opened.add(id);
            openObserver?.unobserve(e.target);
            client.markInsightOpened(id).catch(() => opened.delete(id));
          }
        },
        { threshold: 0.5 },
      );

function renderInsights(): void {
  const box = el.insights;
  if (!box) return;
  fill(
    box,
    title('insights', 'insights'),
    feedbackError ? h('p', { role: 'alert', class: 'error' }, feedbackError) : null,
    state.insights.length === 0
      ? h('p', { class: 'muted' }, t('noInsight'))
      : h(
          'div',
          { id: 'insight-list' },
          ...state.insights.map((i) =>
            h(
              'article',
              { class: 'insight', 'data-insight': i.id, lang: i.locale },
              h('p', { class: 'narrative' }, i.narrative),
              h('h3', {}, t('keyNumbers')),
              h('ul', {}, ...i.keyInsights.map((k) => h('li', {}, h('strong', {}, k.title), ': ', k.detail))),
              i.recommendations.length > 0
                ? [
                    h('h3', {}, t('recommendations')),
                    h('ul', {}, ...i.recommendations.map((r) => h('li', {}, r))),
                  ]
                : null,
              h('p', { class: 'disclaimer' }, i.disclaimer),
              h(
                'p',
                { class: 'muted small' },
                `${t('generator')}: ${i.generator === 'rules' ? t('rules') : i.generator} · ${t('model')}: ${
                  state.analysis?.id === i.analysisId ? modelLabel(state.analysis) : '–'
                } · ${t('confidence')}: ${i.confidence} · ${formatTime(i.createdAt)}`,
              ),
              state.feedback[i.id] !== undefined
                ? h('p', { class: 'muted small', role: 'status' }, t('thanks'))
                : h(
                    'div',
                    { class: 'row', role: 'group', 'aria-label': t('wasHelpful') },
                    h(
                      'button',
                      { type: 'button', 'data-helpful': 'yes', onclick: () => void sendFeedback(i.id, true) },
                      t('helpful'),
                    ),
                    h(
                      'button',
                      { type: 'button', 'data-helpful': 'no', onclick: () => void sendFeedback(i.id, false) },
                      t('notHelpful'),
                    ),
                  ),
            ),
          ),
        ),
  );
  // Reported opened once at least half of it has been on screen (IntersectionObserver).
  for (const a of box.querySelectorAll('article[data-insight]')) openObserver?.observe(a);
}

const toSeconds = (date: string) => Date.parse(`${date}T12:00:00Z`) / 1000;

async function trend(metric: string, start: string, end: string): Promise<TrendsData | undefined> {
  try {
    return await client.trends<TrendsData>({ metric, start, end, granularity: 'day' });
  } catch {
    return undefined;
  }
}

function trendText(tr: TrendsData | undefined): string {
  if (!tr) return '';
  const slope = tr.statistics.theilSen.slopePerPeriod;
  const p = tr.statistics.mannKendall.p;
  const sig = p !== null && p < 0.05 ? t('significant') : t('notSignificant');
  return `${t('slope')}: ${formatNumber(slope, 2)} ${tr.unit ?? ''} (p = ${formatNumber(p, 3)}, ${sig})`;
}

let chartsRun = 0;
async function renderCharts(): Promise<void> {
  const box = el.charts;
  const a = state.analysis;
  const user = state.user;
  if (!box || !user) return;
  const run = ++chartsRun;
  const hosts = ['sleep', 'activity', 'heart', 'profile'].map((id) => h('div', { id: `chart-${id}` }));
  fill(box, title('charts', 'charts'), a ? hosts : h('p', { class: 'muted' }, t('noData')));
  if (!a) return;
  const { start, end } = a.window;
  const [charts, activity, steps, hr, hrv] = await Promise.all([
    import('./charts.ts'),
    trend('activity_counts', start, end),
    trend('steps', start, end),
    trend('heart_rate', start, end),
    trend('hrv_sdnn', start, end),
  ]);
  if (run !== chartsRun) return;
  charts.bindResize();
  const m = a.metrics;
  const nightly = m.sleep?.nightly ?? [];
  const specs: ChartSpec[] = [];
  specs.push({
    id: 'sleep',
    title: t('sleepPerNight'),
    summary: m.sleep
      ? `${formatNumber(m.sleep.meanTotalSleepMinutes, 0)} min · ${formatNumber((m.sleep.meanEfficiency ?? 0) * 100, 0)}% · ${m.sleep.meanOnsetClock ?? ''} (${m.sleep.basis})`
      : '',
    series: [
      {
        label: 'TST',
        x: nightly.map((n) => toSeconds(n.date)),
        y: nightly.map((n) => n.value),
        color: '#3559a8',
      },
    ],
    timeAxis: true,
    kind: 'bars',
    empty: t('noData'),
  });
  const act = steps && steps.points.some((p) => p.value !== null) ? steps : activity;
  const actPoints = act?.points ?? [];
  specs.push({
    id: 'activity',
    title: `${t('dailyActivity')} (${act?.metric ?? ''})`,
    summary: trendText(act),
    series: [
      {
        label: act?.metric ?? '',
        x: actPoints.map((p) => toSeconds(p.period)),
        y: actPoints.map((p) => p.value),
        color: '#2f7d32',
      },
    ],
    timeAxis: true,
    kind: 'bars',
    empty: t('noData'),
  });
  const hrPoints = hr?.points ?? [];
  const hrvByDay = new Map((hrv?.points ?? []).map((p) => [p.period, p.value]));
  specs.push({
    id: 'heart',
    title: t('heartRate'),
    summary: [
      m.heartRate ? `${formatNumber(m.heartRate.meanBpm, 0)} bpm` : '',
      m.hrv ? `SDNN ${formatNumber(m.hrv.meanSdnnMs, 0)} ms` : '',
      trendText(hr),
    ]
      .filter(Boolean)
      .join(' · '),
    series: hrPoints.some((p) => p.value !== null)
      ? [
          {
            label: 'bpm',
            x: hrPoints.map((p) => toSeconds(p.period)),
            y: hrPoints.map((p) => p.value),
            color: '#b3261e',
          },
          {
            label: 'SDNN',
            x: hrPoints.map((p) => toSeconds(p.period)),
            y: hrPoints.map((p) => hrvByDay.get(p.period) ?? null),
            color: '#6b4fa0',
          },
        ]
      : [],
    timeAxis: true,
    empty: t('noData'),
  });
  const c = m.circadian;
  // From the analysis (functions/src/pipeline/analytics/circadian.ts), not from the series documents: those
  // hold every sample of a day, megabytes for a week.
  const profile = c?.hourlyProfile?.some((v) => v !== null) ? c.hourlyProfile : undefined;
  specs.push({
    id: 'profile',
    title: t('profile24h'),
    summary: c
      ? `L5 ${c.L5Start ?? '–'} · M10 ${c.M10Start ?? '–'} · IS ${formatNumber(c.IS, 2)} · IV ${formatNumber(c.IV, 2)} · RA ${formatNumber(c.RA, 2)}`
      : '',
    series: profile ? [{ label: 'mean', x: profile.map((_, i) => i), y: profile, color: '#8a5a00' }] : [],
    timeAxis: false,
    empty: t('noData'),
  });
  specs.forEach((s, i) => charts.renderChart(hosts[i]!, s));
  box.dataset.ready = 'true';
}

function renderAccount(): void {
  const box = el.account;
  if (!box) return;
  const exportData = async () => {
    const data = await client.exportAccount();
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: 'clarity-export.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    state.message = t('exported');
    renderAccountMessage();
  };
  const remove = async () => {
    if (!window.confirm(t('confirmDelete'))) return;
    try {
      await client.deleteAccount();
      stopListeners();
      await signOut(auth);
      state.message = t('deleted');
      render();
    } catch (err) {
      state.message = `${t('error')}: ${(err as Error).message}`;
      renderAccountMessage();
    }
  };
  fill(
    box,
    title('account', 'account'),
    h('p', {}, state.user?.email ?? ''),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', id: 'export', onclick: () => void exportData() }, t('exportData')),
      h(
        'button',
        { type: 'button', id: 'delete', class: 'danger', onclick: () => void remove() },
        t('deleteAccount'),
      ),
    ),
    careTeamEditor(),
    h('p', { id: 'account-message', role: 'status' }),
  );
  renderAccountMessage();
}

/**
 * Who may read the user's data: the list (live, from the user's own document) and a form to add or remove a
 * clinician by uid, through the signed PUT /v1/account/care-team (the only writer of careTeam).
 */
function careTeamEditor(): HTMLElement[] {
  const input = h('input', {
    id: 'care-team-uid',
    type: 'text',
    autocomplete: 'off',
    spellcheck: false,
    maxlength: 128,
    pattern: '[A-Za-z0-9_\\-]{1,128}',
  });
  const save = async (team: string[]) => {
    try {
      await client.setCareTeam(team);
      state.message = t('careTeamSaved');
    } catch (err) {
      state.message = `${t('error')}: ${(err as Error).message}`;
    }
    renderAccountMessage();
  };
  const add = (e: Event) => {
    e.preventDefault();
    const uid = input.value.trim();
    if (uid) void save([...new Set([...state.careTeam, uid])]);
  };
  return [
    h('h3', { id: 'care-team-title' }, t('careTeam')),
    state.careTeam.length > 0
      ? h(
          'ul',
          { id: 'care-team', 'aria-labelledby': 'care-team-title' },
          ...state.careTeam.map((uid) =>
            h(
              'li',
              { 'data-member': uid },
              h('code', {}, uid),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  'aria-label': `${t('remove')} ${uid}`,
                  onclick: () => void save(state.careTeam.filter((x) => x !== uid)),
                },
                t('remove'),
              ),
            ),
          ),
        )
      : h('p', { id: 'care-team' }, t('none')),
    h(
      'form',
      { id: 'care-team-form', onsubmit: add },
      h('label', { for: 'care-team-uid' }, t('clinicianUid')),
      h('div', { class: 'row' }, input, h('button', { type: 'submit', id: 'care-team-add' }, t('add'))),
    ),
  ];
}

// ---- care team (clinicians, admins): read-only, through the audited API ----------------------------------
// firestore.rules refuse a client-SDK read of another user's data (only the API audits reads), so this
// screen reads with GET /v1/care-team/patients and GET /v1/health/insights?uid=, never with onSnapshot.

async function loadPatients(more = false): Promise<void> {
  if (state.patientsStatus === 'loading') return;
  state.patientsStatus = 'loading';
  state.patientsError = null;
  if (!more) state.patientsCursor = null;
  renderPatients();
  try {
    const page = await client.careTeamPatients(
      more && state.patientsCursor ? { cursor: state.patientsCursor } : {},
    );
    state.patients = more ? [...state.patients, ...page.items] : page.items;
    state.patientsCursor = page.nextCursor;
    state.patientsStatus = 'loaded';
  } catch (err) {
    state.patientsStatus = 'error';
    state.patientsError = `${t('error')}: ${(err as Error).message}`;
  }
  renderPatients();
}

async function selectPatient(uid: string): Promise<void> {
  state.selectedPatient = uid;
  state.patientInsight = undefined;
  state.patientsError = null;
  renderPatients();
  try {
    const page = await client.insights({ uid, limit: 1 });
    if (state.selectedPatient !== uid) return;
    state.patientInsight = page.items[0] ?? null;
  } catch (err) {
    state.patientsError = `${t('error')}: ${(err as Error).message}`;
  }
  renderPatients();
  document.getElementById('patient-detail-title')?.focus();
}

function patientLabel(p: CareTeamPatient): string {
  return p.displayName ?? p.email ?? p.uid;
}

const isoMillis = (iso: string | null) => (iso === null ? null : Date.parse(iso));

function keyNumbers(items: unknown[]): { title: string; detail: string }[] {
  return items.filter(
    (k): k is { title: string; detail: string } =>
      typeof k === 'object' &&
      k !== null &&
      typeof (k as { title?: unknown }).title === 'string' &&
      typeof (k as { detail?: unknown }).detail === 'string',
  );
}

function patientDetail(): HTMLElement | null {
  const uid = state.selectedPatient;
  const p = state.patients.find((x) => x.uid === uid);
  if (!uid || !p) return null;
  const i = state.patientInsight;
  return h(
    'div',
    {
      id: 'patient-detail',
      'data-patient': uid,
      'aria-live': 'polite',
      'aria-busy': i === undefined ? 'true' : 'false',
    },
    h('h3', { id: 'patient-detail-title', tabindex: -1 }, `${t('newestInsightOf')} ${patientLabel(p)}`),
    i === undefined
      ? h('p', { class: 'muted' }, t('loading'))
      : i === null
        ? h('p', { class: 'muted', id: 'patient-no-insight' }, t('noInsight'))
        : h(
            'article',
            { class: 'insight', id: 'patient-insight', 'data-insight': i.id, lang: i.locale ?? undefined },
            h('p', { class: 'narrative' }, i.narrative ?? ''),
            h('h4', {}, t('keyNumbers')),
            h(
              'ul',
              {},
              ...keyNumbers(i.keyInsights).map((k) => h('li', {}, h('strong', {}, k.title), ': ', k.detail)),
            ),
            i.recommendations.length > 0
              ? [
                  h('h4', {}, t('recommendations')),
                  h('ul', {}, ...i.recommendations.map((r) => h('li', {}, r))),
                ]
              : null,
            h('p', { class: 'disclaimer' }, i.disclaimer ?? ''),
            h(
              'p',
              { class: 'muted small' },
              `${t('generator')}: ${i.generator === 'rules' ? t('rules') : (i.generator ?? '–')} · ${t('confidence')}: ${
                i.confidence ?? '–'
              } · ${formatTime(isoMillis(i.createdAt))}`,
            ),
          ),
  );
}

function renderPatients(): void {
  const box = el.patients;
  if (!box) return;
  const list = state.patients;
  fill(
    box,
    title('patients', 'patients'),
    h('p', { class: 'intro' }, t('patientsIntro')),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        { type: 'button', id: 'patients-refresh', onclick: () => void loadPatients(false) },
        t('refresh'),
      ),
    ),
    state.patientsError ? h('p', { role: 'alert', class: 'error' }, state.patientsError) : null,
    state.patientsStatus === 'loading' && list.length === 0
      ? h('p', { class: 'muted', role: 'status' }, t('loading'))
      : list.length === 0
        ? h('p', { class: 'muted', id: 'patients-empty' }, t('noPatients'))
        : h(
            'div',
            { class: 'scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'patients-title' },
            h(
              'table',
              { id: 'patients-table', 'data-count': list.length },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('person')),
                  h('th', { scope: 'col' }, t('lastUpload')),
                  h('th', { scope: 'col' }, t('lastInsight')),
                ),
              ),
              h(
                'tbody',
                {},
                ...list.map((p) =>
                  h(
                    'tr',
                    { 'data-patient': p.uid },
                    h(
                      'th',
                      { scope: 'row' },
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'link',
                          'aria-pressed': state.selectedPatient === p.uid ? 'true' : 'false',
                          onclick: () => void selectPatient(p.uid),
                        },
                        patientLabel(p),
                      ),
                      // The email under a display name (the name alone may not say who it is).
                      p.displayName && p.email ? h('div', { class: 'muted small' }, p.email) : null,
                    ),
                    h('td', {}, formatTime(isoMillis(p.lastUploadAt))),
                    h('td', {}, formatTime(isoMillis(p.lastInsightAt))),
                  ),
                ),
              ),
            ),
          ),
    state.patientsCursor
      ? h(
          'button',
          { type: 'button', id: 'patients-more', onclick: () => void loadPatients(true) },
          t('more'),
        )
      : null,
    patientDetail(),
  );
}

function renderAccountMessage(): void {
  const m = document.getElementById('account-message');
  if (m) m.textContent = state.message ?? '';
}

function render(): void {
  document.title = t('appName');
  if (!state.user) {
    fill(root, header(), signInScreen());
    return;
  }
  fill(root, header(), dashboard());
  renderUpload();
  renderPipeline();
  renderInsights();
  renderAccount();
  renderPatients();
  void renderCharts();
}

onAuthStateChanged(auth, (user) => {
  stopListeners();
  state.user = user;
  state.upload = undefined;
  state.uploadId = null;
  state.progress = null;
  state.jobs = [];
  state.insights = [];
  state.analysis = undefined;
  state.roles = [];
  state.patients = [];
  state.patientsCursor = null;
  state.patientsStatus = 'idle';
  state.selectedPatient = null;
  state.patientInsight = undefined;
  state.patientsError = null;
  if (user) state.message = null;
  render();
  if (!user) return;
  // The listeners start in a task of their own, after the dashboard is built: one long task holding both
  // the rendering and Firestore's start delayed the first paint and the first input (Lighthouse TBT).
  setTimeout(() => {
    if (auth.currentUser?.uid !== user.uid) return;
    startListeners(user);
    void user.getIdTokenResult().then((r) => {
      if (auth.currentUser?.uid !== user.uid) return;
      const roles: unknown = r.claims.roles;
      state.roles = Array.isArray(roles) ? roles.filter((x): x is string => typeof x === 'string') : [];
      // Clinicians and admins: the care-team screen joins the dashboard, listed through the API.
      if (privileged()) {
        render();
        void loadPatients();
      }
    });
  }, 0);
});
