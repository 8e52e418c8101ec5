/**
 * Charts with uPlot (small and fast on dense series). Loaded on demand: the sign-in and upload screens never
 * download it. Each chart is an accessible image (role="img", a label saying what it shows) with its
 * numbers also in the text beside it; the instances are exposed on window.__clarityCharts for tests.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';

export interface Series {
  label: string;
  /** Epoch seconds (dates) or plain x values (hours). */
  x: number[];
  y: (number | null)[];
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  summary: string;
  series: Series[];
  timeAxis: boolean;
  kind?: 'bars' | 'line';
  empty: string;
}

declare global {
  interface Window {
    __clarityCharts?: Record<string, uPlot>;
  }
}

const charts: Record<string, uPlot> = {};
window.__clarityCharts = charts;

export function renderChart(host: HTMLElement, spec: ChartSpec): void {
  charts[spec.id]?.destroy();
  delete charts[spec.id];
  const first = spec.series[0];
  const figure = h('figure', { class: 'chart', 'data-chart': spec.id });
  const caption = h(
    'figcaption',
    {},
    h('strong', {}, spec.title),
    h('span', { class: 'muted' }, spec.summary),
  );
  figure.append(caption);
  host.replaceChildren(figure);
  if (!first || first.x.length === 0) {
    figure.append(h('p', { class: 'muted' }, spec.empty));
    return;
  }
  const plotHost = h('div', { role: 'img', 'aria-label': `${spec.title}. ${spec.summary}` });
  figure.append(plotHost);
  const width = Math.max(260, Math.min(host.clientWidth || 600, 900) - 8);
  const bars = spec.kind === 'bars' ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined;
  const opts: uPlot.Options = {
    width,
    height: 200,
    legend: { show: false },
    cursor: { show: true, drag: { x: false, y: false } },
    // Bars start at zero (a bar's length is its value); lines keep uPlot's range around the data.
    scales: {
      x: { time: spec.timeAxis },
      ...(spec.kind === 'bars' ? { y: { range: (_u, _min, max) => [0, max > 0 ? max : 1] } } : {}),
    },
    axes: [
      { stroke: '#333', grid: { stroke: '#eee' } },
      // Room for five-digit daily counts ("20,000"); uPlot's default 50 px cut them.
      { stroke: '#333', grid: { stroke: '#eee' }, size: 64 },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        fill: spec.kind === 'bars' ? `${s.color}99` : undefined,
        ...(bars ? { paths: bars } : {}),
        points: { show: spec.kind !== 'bars' },
      })),
    ],
  };
  const data = [first.x, ...spec.series.map((s) => s.y)] as uPlot.AlignedData;
  charts[spec.id] = new uPlot(opts, data, plotHost);
}

let resizeBound = false;
export function bindResize(): void {
  if (resizeBound) return;
  resizeBound = true;
  window.addEventListener('resize', () => {
    for (const c of Object.values(charts)) {
      const host = c.root.parentElement?.parentElement;
      if (host) c.setSize({ width: Math.max(260, Math.min(host.clientWidth, 900) - 8), height: 200 });
    }
  });
}
