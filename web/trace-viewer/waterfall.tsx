import { useState } from 'react';
import { formatMs } from './format.ts';
import { layoutWaterfall } from './layout.ts';
import type { Attributes, TraceSpan } from './parse.ts';
import { rulerTicks } from './ruler.ts';
import { tickSpacing, TimeRuler } from './time-ruler.tsx';

const PALETTE = ['#1f6fb4', '#2e9a45', '#d9730d', '#8e44ad', '#c0392b', '#16a3b8'];

/**
 * The trace as bars on one time axis, under a ruler in milliseconds: indented by parent, coloured by
 * service, each name in full; a bar opens its details.
 */
export function Waterfall({ spans }: { spans: TraceSpan[] }) {
  const [selectedId, setSelectedId] = useState<string>();
  const { rows, totalMs } = layoutWaterfall(spans);
  const ticks = rulerTicks(totalMs);
  const selected = rows.find((row) => row.spanId === selectedId);
  const services = [...new Set(rows.map((row) => row.service))];
  // Colours by order of appearance: the page's service first, so it always gets the same one.
  const colour = (service: string) => PALETTE[services.indexOf(service) % PALETTE.length];

  return (
    <section data-testid="waterfall" aria-label="Trace waterfall" className="waterfall" style={tickSpacing(ticks)}>
      <p className="legend">
        {services.map((service) => (
          <span key={service} className="legend-item">
            <span className="swatch" style={{ background: colour(service) }} /> {service}
          </span>
        ))}
      </p>
      <TimeRuler ticks={ticks} />
      <ol>
        {rows.map((row) => (
          <li
            key={row.spanId}
            data-testid="span-row"
            data-service={row.service}
            data-kind={row.kind}
            data-status={row.status}
          >
            <button
              type="button"
              className="span-row"
              aria-pressed={row.spanId === selectedId}
              onClick={() => setSelectedId(row.spanId === selectedId ? undefined : row.spanId)}
            >
              <span className="span-label" style={{ paddingLeft: `${row.depth}rem` }}>
                <span className="span-name">{row.name}</span>{' '}
                <span className="span-meta">
                  {formatMs(row.durationMs)} · {row.kind}
                  {row.status !== 'unset' && <strong className={`status-${row.status}`}> · {row.status}</strong>}
                </span>
              </span>
              <span className="span-track">
                <span
                  className="span-bar"
                  style={{
                    left: `${row.offsetPercent}%`,
                    width: `${row.widthPercent}%`,
                    background: colour(row.service),
                  }}
                />
              </span>
            </button>
          </li>
        ))}
      </ol>
      {selected && (
        <div className="span-details" data-testid="span-details">
          <h3>
            {selected.name}{' '}
            <span className="span-meta">
              ({selected.service}, span {selected.spanId})
            </span>
          </h3>
          {selected.statusMessage && <p className="status-error">{selected.statusMessage}</p>}
          <AttributeTable attributes={selected.attributes} />
          {selected.events.length > 0 && (
            <>
              <h4>Events</h4>
              <ul>
                {selected.events.map((event, index) => (
                  <li key={index}>
                    <strong>{event.name}</strong> at +{formatMs(event.atMs)}
                    {event.attributes.length > 0 && <AttributeTable attributes={event.attributes} />}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function AttributeTable({ attributes }: { attributes: Attributes }) {
  return (
    <table className="attributes">
      <tbody>
        {attributes.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
