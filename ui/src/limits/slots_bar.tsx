/**
 * How full a limit is: "2/3" and a small bar, red when every slot is taken (a lowered limit
 * may show more held than it allows until its holders finish).
 *
 * @module
 */

import { fullness, slotsText } from "../lib/limits.ts";

/**
 * The bar.
 *
 * @example
 * ```tsx
 * <SlotsBar held={limit.slotsHeld} limit={limit.limit} />
 * ```
 */
export function SlotsBar(props: { held: number; limit: number; active?: boolean }) {
  const share = fullness(props.held, props.limit);
  const text = slotsText(props.held, props.limit);
  const full = props.limit > 0 ? props.held >= props.limit : props.held > 0;
  return (
    <span
      class={`slots${full ? " slots-full" : ""}${props.active === false ? " slots-off" : ""}`}
      data-testid="slots"
      data-slots={text}
    >
      <span class="slots-text mono" title={`${text} slots held`}>
        {text}
      </span>
      {/* The text says it; the bar only shows it. */}
      <span class="slots-bar" aria-hidden="true">
        <span class="slots-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </span>
  );
}
