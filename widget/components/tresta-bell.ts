import { html, LitElement, nothing } from 'lit';
import { badgeText } from '../client/i18n/i18n.js';
import { baseStyles } from './theme.styles.js';
import { bellStyles } from './tresta-bell.styles.js';

/**
 * The bell: a button that opens the notification center, with the unread count on a badge ("9+" above
 * nine) and a spoken label ("3 unread notifications"); count changes are announced politely.
 *
 * @csspart bell - the button
 * @csspart badge - the unread count on the button
 * @slot bell-icon - the icon (the root element forwards its own slot, with the default bell as fallback)
 */
export class TrestaBell extends LitElement {
  static override styles = [baseStyles, bellStyles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = {
    count: { type: Number },
    label: { type: String },
    expanded: { type: Boolean },
  };

  declare count: number;
  declare label: string;
  declare expanded: boolean;

  constructor() {
    super();
    this.count = 0;
    this.label = '';
    this.expanded = false;
  }

  override render() {
    return html`
      <button part="bell" type="button" aria-label=${this.label} aria-haspopup="dialog" aria-expanded=${String(this.expanded)}>
        <slot name="bell-icon"></slot>
        ${this.count > 0 ? html`<span part="badge" class="badge" aria-hidden="true">${badgeText(this.count)}</span>` : nothing}
      </button>
      <span class="visually-hidden" role="status">${this.label}</span>
    `;
  }
}
