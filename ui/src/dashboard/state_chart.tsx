/**
 * Runs by state over time, as a stacked bar chart in SVG: a bar per bucket (an hour, for the
 * last 24 hours), its parts coloured as the state badges are. The SVG stretches to any width
 * (its user space is one unit per bucket); the axis labels are HTML beside it, so text keeps
 * its size on a phone.
 *
 * @module
 */

import type { RunStats } from "../../../protocol/run_stats.ts";
import { stateClass } from "../lib/format.ts";
import { axisLabels, chartBars } from "./stats_chart.ts";

/** The chart's height in its user space: bars are scaled to it. */
const HEIGHT = 100;

/**
 * The chart.
 *
 * @example
 * ```tsx
 * <StateChart stats={stats} labelEvery={6} />
 * ```
 */
export function StateChart(props: { stats: RunStats; labelEvery: number }) {
  const { stats } = props;
  const { bars, max } = chartBars(stats);
  const labels = axisLabels(stats, props.labelEvery);
  const n = Math.max(1, bars.length);
  return (
    <div class="dash-chart-wrap">
      <div class="dash-chart-scale muted small" aria-hidden="true">
        <span>{max}</span>
        <span>{max % 2 === 0 ? max / 2 : ""}</span>
        <span>0</span>
      </div>
      <svg
        class="dash-chart"
        viewBox={`0 0 ${n} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Runs by state, ${bars.length} bars: ${stats.count} runs in all`}
        data-testid="state-chart"
      >
        <line
          class="chart-grid"
          x1="0"
          x2={n}
          y1={HEIGHT / 2}
          y2={HEIGHT / 2}
          vector-effect="non-scaling-stroke"
        />
        <line
          class="chart-axis"
          x1="0"
          x2={n}
          y1={HEIGHT}
          y2={HEIGHT}
          vector-effect="non-scaling-stroke"
        />
        {bars.map((bar, i) => (
          <g key={String(bar.start)} class="chart-bucket" data-bucket={i} data-total={bar.total}>
            <title>{bar.title}</title>
            <rect class="chart-hit" x={i} y={0} width={1} height={HEIGHT} />
            {bar.parts.map((part) => (
              <rect
                key={part.type}
                class={`chart-bar ${stateClass(part.type)}`}
                data-state={part.type}
                data-count={part.to - part.from}
                x={i + 0.12}
                width={0.76}
                y={HEIGHT - (part.to / max) * HEIGHT}
                height={((part.to - part.from) / max) * HEIGHT}
              />
            ))}
          </g>
        ))}
      </svg>
      <span />
      <div class="dash-chart-axis muted small" aria-hidden="true">
        {labels.map(({ index, label }) => (
          <span key={String(index)} style={{ left: `${(index / n) * 100}%` }}>
            {label}
          </span>
        ))}
      </div>
    </div>
  );
}
