import { html, nothing } from 'lit';
import type { I18n } from '../client/i18n/i18n.js';
import type { DigestFrequency, Preferences, PreferencesUpdate } from '../client/types.js';

const checked = (event: Event) => (event.target as HTMLInputElement).checked;

/** The preferences view of the center: each change is saved at once (a partial PUT); required types are shown locked on. */
export function renderPreferences(preferences: Preferences, i18n: I18n, save: (update: PreferencesUpdate) => void) {
  const { strings } = i18n;
  const digests: Array<[DigestFrequency, string]> = [
    ['daily', strings.digestDaily],
    ['weekly', strings.digestWeekly],
    ['off', strings.digestOff],
  ];
  return html`
    <form part="preferences" class="preferences" @submit=${(event: Event) => event.preventDefault()}>
      <label class="row">
        <input type="checkbox" .checked=${preferences.emailEnabled} @change=${(e: Event) => save({ emailEnabled: checked(e) })} />
        ${strings.emailEnabled}
      </label>
      <label class="row">
        ${strings.digest}
        <select @change=${(e: Event) => save({ digest: (e.target as HTMLSelectElement).value as DigestFrequency })}>
          ${digests.map(([value, label]) => html`<option value=${value} ?selected=${preferences.digest === value}>${label}</option>`)}
        </select>
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">${strings.type}</th>
            <th scope="col">${strings.inApp}</th>
            <th scope="col">${strings.email}</th>
          </tr>
        </thead>
        <tbody>
          ${Object.entries(preferences.types).map(([type, channels]) => {
            const name = i18n.typeName(type);
            const locked = channels.required === true;
            return html`
              <tr>
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
              </tr>
            `;
          })}
        </tbody>
      </table>
    </form>
  `;
}
