import { html, nothing } from 'lit';
import type { I18n } from '../client/i18n/i18n.js';
import type { DigestFrequency, Preferences, PreferencesUpdate } from '../client/types.js';
import type { PushState } from '../push/web-push.js';

/** The "Enable push" control: this browser's state, and what a click does. */
export interface PushControl {
  state: PushState | 'failed';
  /** A change is under way: the button waits, keeping its label. */
  busy: boolean;
  toggle: () => void;
}

type TypeChannels = Preferences['types'][string];

const checked = (event: Event) => (event.target as HTMLInputElement).checked;
const selected = (event: Event) => (event.target as HTMLSelectElement).value;

/** The types under their category, in the server's order; the uncategorised ones (keyed by null) last. */
function byCategory(types: Preferences['types']): Array<[string | null, Array<[string, TypeChannels]>]> {
  const groups = new Map<string | null, Array<[string, TypeChannels]>>();
  for (const entry of Object.entries(types)) {
    const category = entry[1].category ?? null;
    groups.set(category, [...(groups.get(category) ?? []), entry]);
  }
  const uncategorised = groups.get(null);
  groups.delete(null);
  return uncategorised ? [...groups, [null, uncategorised]] : [...groups];
}

/**
 * The time zones to offer: the browser's first (the likely choice), then every zone the browser
 * knows; the stored one is kept even when the browser does not list it (an alias such as "UTC").
 */
function timeZoneChoices(current: string): { device: string; zones: string[] } {
  const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = new Set([device, ...Intl.supportedValuesOf('timeZone')]);
  zones.add(current);
  return { device, zones: [...zones] };
}

/** The hours of the day as the user's locale writes them ("7 AM", "07:00"). */
function hourLabels(locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
  return Array.from({ length: 24 }, (_, hour) => format.format(Date.UTC(2000, 0, 1, hour)));
}

function renderTypeGroup(
  category: string | null,
  types: Array<[string, TypeChannels]>,
  i18n: I18n,
  save: (update: PreferencesUpdate) => void,
) {
  const { strings } = i18n;
  const withPush = types.some(([, channels]) => channels.push !== undefined);
  return html`
    <table>
      <caption>
        ${category ?? strings.general}
      </caption>
      <thead>
        <tr>
          <th scope="col">${strings.type}</th>
          <th scope="col">${strings.inApp}</th>
          <th scope="col">${strings.email}</th>
          ${withPush ? html`<th scope="col">${strings.push}</th>` : nothing}
        </tr>
      </thead>
      <tbody>
        ${types.map(([type, channels]) => {
          const name = i18n.typeName(type);
          const locked = channels.required === true;
          return html`
            <tr data-type=${type}>
              <th scope="row">${name}${locked ? html` <span class="locked">(${strings.required})</span>` : nothing}</th>
              <td>
                <input
                  type="checkbox"
                  aria-label="${name}: ${strings.inApp}"
                  ?disabled=${locked}
                  .checked=${channels.inApp}
                  @change=${(e: Event) => save({ types: { [type]: { inApp: checked(e) } } })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label="${name}: ${strings.email}"
                  ?disabled=${locked}
                  .checked=${channels.email}
                  @change=${(e: Event) => save({ types: { [type]: { email: checked(e) } } })}
                />
              </td>
              ${
                withPush
                  ? html`<td>
                      ${
                        channels.push === undefined
                          ? nothing
                          : html`<input
                              type="checkbox"
                              aria-label="${name}: ${strings.push}"
                              ?disabled=${locked}
                              .checked=${channels.push}
                              @change=${(e: Event) => save({ types: { [type]: { push: checked(e) } } })}
                            />`
                      }
                    </td>`
                  : nothing
              }
            </tr>
          `;
        })}
      </tbody>
    </table>
  `;
}

function renderPushControl(push: PushControl, i18n: I18n) {
  const { strings } = i18n;
  const note = { denied: strings.pushDenied, unsupported: strings.pushUnsupported }[push.state as 'denied' | 'unsupported'];
  return html`
    <div class="row" part="push">
      ${strings.pushDevice}
      ${
        note
          ? html`<span class="note">${note}</span>`
          : html`<button type="button" class="text-button" name="push" ?disabled=${push.busy} @click=${push.toggle}>
              ${push.state === 'on' ? strings.pushDisable : strings.pushEnable}
            </button>`
      }
      ${push.state === 'failed' ? html`<span role="alert">${strings.pushFailed}</span>` : nothing}
    </div>
  `;
}

/**
 * The preferences view of the center: each change is saved at once (a PUT of that field only);
 * types are grouped by category, required ones shown locked on. With `push` (the server sends web
 * push), a control subscribes this browser: permission is asked only when it is clicked.
 */
export function renderPreferences(
  preferences: Preferences,
  i18n: I18n,
  save: (update: PreferencesUpdate) => void,
  push: PushControl | null = null,
) {
  const { strings } = i18n;
  const digests: Array<[DigestFrequency, string]> = [
    ['daily', strings.digestDaily],
    ['weekly', strings.digestWeekly],
    ['off', strings.digestOff],
  ];
  const { device, zones } = timeZoneChoices(preferences.timeZone);
  return html`
    <form part="preferences" class="preferences" @submit=${(event: Event) => event.preventDefault()}>
      <label class="row">
        <input type="checkbox" .checked=${preferences.emailEnabled} @change=${(e: Event) => save({ emailEnabled: checked(e) })} />
        ${strings.emailEnabled}
      </label>
      <label class="row">
        ${strings.digest}
        <select name="digest" @change=${(e: Event) => save({ digest: selected(e) as DigestFrequency })}>
          ${digests.map(([value, label]) => html`<option value=${value} ?selected=${preferences.digest === value}>${label}</option>`)}
        </select>
      </label>
      <label class="row">
        ${strings.timeZone}
        <select name="timeZone" @change=${(e: Event) => save({ timeZone: selected(e) })}>
          ${zones.map(
            (zone) =>
              html`<option value=${zone} ?selected=${preferences.timeZone === zone}>
                ${zone === device ? `${zone} (${strings.thisDevice})` : zone}
              </option>`,
          )}
        </select>
      </label>
      <label class="row">
        ${strings.digestHour}
        <select name="digestHour" @change=${(e: Event) => save({ digestHour: Number(selected(e)) })}>
          ${hourLabels(i18n.locale).map(
            (label, hour) => html`<option value=${hour} ?selected=${preferences.digestHour === hour}>${label}</option>`,
          )}
        </select>
      </label>
      ${push ? renderPushControl(push, i18n) : nothing}
      ${byCategory(preferences.types).map(([category, types]) => renderTypeGroup(category, types, i18n, save))}
    </form>
  `;
}
