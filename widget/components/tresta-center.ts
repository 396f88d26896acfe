import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { Task } from '@lit/task';
import type { ApiClient } from '../client/api.js';
import type { I18n } from '../client/i18n/i18n.js';
import type { LoadState } from '../client/store.js';
import type { Notification, Preferences, PreferencesUpdate } from '../client/types.js';
import { InfiniteScrollController } from '../controllers/infinite-scroll-controller.js';
import { autoUpdate, computePosition, flip, offset, shift, size } from '@floating-ui/dom';
import {
  actionButtonStyles,
  icon,
  renderNotificationItem,
  type ItemActions,
  type ItemIcons,
  type RenderItem,
} from './notification-item.js';
import { renderPreferences, type PushControl } from './preferences-view.js';
import { baseStyles } from './theme.styles.js';
import { centerStyles } from './tresta-center.styles.js';

export interface CenterActions extends ItemActions {
  close(): void;
  markAllRead(): void;
  archiveRead(): void;
  loadMore(): void;
  retry(): void;
  showTab(index: number): void;
  /** One group's notifications, one by one. */
  expandGroup(notification: Notification): Promise<Notification[]>;
}

/** A tab of the center, as the root element resolved it: its label and unread count. */
export interface CenterTab {
  label: string;
  unread: number | null;
}

const FOCUSABLE =
  'a[href]:not([tabindex="-1"]), button:not([disabled]):not([tabindex="-1"]), input:not([disabled]), select:not([disabled]), [tabindex="0"]';
/** Relative times ("5 minutes ago") are refreshed this often while the center is open. */
const CLOCK_TICK_MS = 60_000;
/** Below this viewport width the popover is a full-width sheet. */
const SHEET_QUERY = '(max-width: 479.98px)';
const VIEWPORT_MARGIN = 8;

/**
 * The notification center: in popover mode a dialog (focus moves to its heading, Tab stays in, Escape
 * closes) placed beside the bell inside the viewport, or a bottom sheet on narrow screens; inline, a
 * section of the page. Tabs, the list (newest first, page by page as it scrolls, one Tab stop with
 * arrow keys between items) and a preferences view.
 *
 * @csspart panel - the dialog
 * @csspart header - its title bar
 * @csspart mark-all-read - the "Mark all read" button
 * @csspart item - one notification (also `item-read` or `item-unread`)
 * @csspart item-link - the clickable body of an item
 * @csspart item-toggle - the read / unread button of an item
 * @csspart preferences - the preferences form
 * @csspart push - the preferences' row that turns web push on or off for this browser
 */
export class TrestaCenter extends LitElement {
  static override styles = [baseStyles, actionButtonStyles, centerStyles];
  static override properties = {
    i18n: { attribute: false },
    api: { attribute: false },
    actions: { attribute: false },
    items: { attribute: false },
    unreadCount: { type: Number },
    listState: { type: String },
    moreState: { type: String },
    hasMore: { type: Boolean },
    tabs: { attribute: false },
    activeTab: { type: Number },
    archivedTab: { type: Boolean },
    icons: { attribute: false },
    renderItem: { attribute: false },
    mode: { type: String, reflect: true },
    anchor: { attribute: false },
    view: { state: true },
    saved: { state: true },
    saveState: { state: true },
    push: { state: true },
    activeId: { state: true },
    sheet: { type: Boolean, reflect: true },
    groups: { state: true },
  };

  declare i18n: I18n;
  declare api: ApiClient;
  declare actions: CenterActions;
  declare items: readonly Notification[];
  declare unreadCount: number;
  declare listState: LoadState;
  declare moreState: LoadState;
  declare hasMore: boolean;
  declare tabs: CenterTab[];
  declare activeTab: number;
  /** The active tab lists archived notifications (its empty state says so). */
  declare archivedTab: boolean;
  declare icons: ItemIcons;
  declare renderItem: RenderItem | null | undefined;
  declare mode: 'popover' | 'inline';
  /** What the popover is placed beside: the bell. */
  declare anchor: HTMLElement | null;
  declare view: 'list' | 'preferences';
  /** Preferences as last saved, shown instead of the loaded ones once the user changed something. */
  declare saved: Preferences | null;
  declare saveState: 'idle' | 'saving' | 'saved' | 'failed';
  /** The "Enable push" control, once the server has offered push (null: it does not, or not yet known). */
  declare push: PushControl | null;
  /** The item holding the list's Tab stop. */
  declare activeId: string | null;
  declare sheet: boolean;
  /** Expanded groups: their notifications, or null while loading. */
  declare groups: ReadonlyMap<string, Notification[] | null>;
  private clock: ReturnType<typeof setInterval> | undefined;
  /** Loads the push control once, however often the preferences view opens. */
  private pushLoading: Promise<void> | undefined;
  private stopPlacing: (() => void) | undefined;
  private readonly sheetQuery = window.matchMedia(SHEET_QUERY);
  private unlockScroll: (() => void) | undefined;

  private readonly preferences = new Task(this, {
    task: async ([view]: readonly ['list' | 'preferences']) => {
      if (view !== 'preferences') return null;
      this.pushLoading ??= this.loadPush();
      return this.api.preferences();
    },
    args: () => [this.view] as const,
  });

  constructor() {
    super();
    this.items = [];
    this.unreadCount = 0;
    this.listState = 'idle';
    this.moreState = 'idle';
    this.hasMore = false;
    this.tabs = [];
    this.activeTab = 0;
    this.archivedTab = false;
    this.icons = {};
    this.renderItem = null;
    this.mode = 'popover';
    this.anchor = null;
    this.view = 'list';
    this.push = null;
    this.saved = null;
    this.saveState = 'idle';
    this.activeId = null;
    this.sheet = false;
    this.groups = new Map();
    new InfiniteScrollController(
      this,
      () => this.renderRoot.querySelector('.end'),
      () => (this.mode === 'inline' ? null : this.renderRoot.querySelector('.scroller')),
      () => this.actions.loadMore(),
    );
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.clock = setInterval(() => this.requestUpdate(), CLOCK_TICK_MS);
    this.sheetQuery.addEventListener('change', this.onSheetChange);
    this.onSheetChange();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.clock);
    this.sheetQuery.removeEventListener('change', this.onSheetChange);
    this.stopPlacing?.();
    this.stopPlacing = undefined;
    this.unlockScroll?.();
    this.unlockScroll = undefined;
  }

  private readonly onSheetChange = () => {
    this.sheet = this.mode === 'popover' && this.sheetQuery.matches;
  };

  protected override firstUpdated(): void {
    if (this.mode === 'popover') this.focusHeading();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Switching views replaces the focused control: keep focus inside the dialog.
    if (changed.has('view') && changed.get('view') !== undefined) this.focusHeading();
    if (changed.has('sheet') || changed.has('anchor') || changed.has('mode')) this.place();
    if (this.activeId !== null && !this.items.some((item) => item.id === this.activeId)) this.activeId = null;
    if (this.focusWithin && this.mode === 'popover' && !this.shadowRoot?.activeElement) this.focusHeading();
  }

  /** Moves focus to the heading: on open, and when the focused control went away (a bulk action). */
  focusHeading(): void {
    this.renderRoot.querySelector<HTMLElement>('#heading')?.focus();
  }

  /**
   * Whether focus is in the panel, or was until the control holding it went away (a bulk action
   * removes its own button): focus then moves to nowhere, and is put back on the heading.
   */
  private focusWithin = false;
  private readonly onFocusIn = () => (this.focusWithin = true);
  private readonly onFocusOut = (event: FocusEvent) => {
    if (event.relatedTarget !== null) this.focusWithin = false;
  };

  /**
   * The popover beside the bell, flipped above it when there is no room below and shifted to stay
   * inside the viewport wherever the bell is; its height fits the room. A sheet locks the page's
   * scroll instead, keeping the scrollbar's room so the page does not jump.
   */
  private place(): void {
    this.stopPlacing?.();
    this.stopPlacing = undefined;
    this.unlockScroll?.();
    this.unlockScroll = undefined;
    const panel = this.renderRoot.querySelector<HTMLElement>('.panel');
    if (!panel || this.mode !== 'popover') return;
    if (this.sheet) {
      panel.style.removeProperty('left');
      panel.style.removeProperty('top');
      panel.style.removeProperty('max-block-size');
      this.unlockScroll = lockScroll();
      return;
    }
    const anchor = this.anchor;
    if (!anchor) return;
    this.stopPlacing = autoUpdate(anchor, panel, () => {
      void computePosition(anchor, panel, {
        strategy: 'fixed',
        placement: 'bottom-end',
        middleware: [
          offset(VIEWPORT_MARGIN),
          flip({ padding: VIEWPORT_MARGIN }),
          shift({ padding: VIEWPORT_MARGIN }),
          size({
            padding: VIEWPORT_MARGIN,
            apply: ({ availableHeight }) =>
              panel.style.setProperty('max-block-size', `${Math.max(200, Math.min(availableHeight, 560))}px`),
          }),
        ],
      }).then(({ x, y }) => Object.assign(panel.style, { left: `${x}px`, top: `${y}px` }));
    });
  }

  override render() {
    const { strings } = this.i18n;
    const inPreferences = this.view === 'preferences';
    const inline = this.mode === 'inline';
    const hasRead = this.items.some((item) => item.isRead && !item.isArchived);
    return html`
      ${this.sheet ? html`<div class="backdrop" @click=${() => this.actions.close()}></div>` : nothing}
      <div
        part="panel"
        class="panel"
        role=${inline ? 'region' : 'dialog'}
        aria-modal=${inline ? nothing : 'true'}
        aria-labelledby="heading"
        @keydown=${this.onKeydown}
        @focusin=${this.onFocusIn}
        @focusout=${this.onFocusOut}
      >
        <div part="header" class="header">
          ${
            inPreferences
              ? html`<button
                  class="icon-button"
                  type="button"
                  aria-label=${strings.back}
                  title=${strings.back}
                  @click=${() => this.show('list')}
                >
                  ${icon('M15 6l-6 6 6 6')}
                </button>`
              : nothing
          }
          <h2 id="heading" tabindex="-1">${inPreferences ? strings.preferences : strings.notifications}</h2>
          ${
            !inPreferences && this.unreadCount > 0
              ? html`<button
                  part="mark-all-read"
                  class="icon-button"
                  type="button"
                  aria-label=${strings.markAllRead}
                  title=${strings.markAllRead}
                  @click=${() => this.actions.markAllRead()}
                >
                  ${icon('M2 12.5l4.5 4.5L15 8.5M10 16l1 1L21.5 7')}
                </button>`
              : nothing
          }
          ${
            !inPreferences && !this.archivedTab && hasRead
              ? html`<button
                  part="archive-read"
                  class="icon-button"
                  type="button"
                  aria-label=${strings.archiveRead}
                  title=${strings.archiveRead}
                  @click=${() => this.actions.archiveRead()}
                >
                  ${icon('M4 7h16v13H4zM3 4h18v3H3zM10 11h4')}
                </button>`
              : nothing
          }
          ${
            inPreferences
              ? nothing
              : html`<button
                  class="icon-button"
                  type="button"
                  aria-label=${strings.preferences}
                  title=${strings.preferences}
                  @click=${() => this.show('preferences')}
                >
                  ${icon('M4 7h10M18 7h2M4 17h4M12 17h8M14 5v4M8 15v4')}
                </button>`
          }
          ${
            inline
              ? nothing
              : html`<button
                  part="close"
                  class="icon-button"
                  type="button"
                  aria-label=${strings.close}
                  title=${strings.close}
                  @click=${() => this.actions.close()}
                >
                  ${icon('M6 6l12 12M18 6L6 18')}
                </button>`
          }
        </div>
        ${inPreferences ? this.renderPreferencesView() : html`${this.renderTabs()}${this.renderList()}`}
      </div>
    `;
  }

  private renderTabs() {
    if (this.tabs.length < 2) return nothing;
    return html`<div part="tabs" class="tabs" role="tablist" @keydown=${this.onTabsKeydown}>
      ${this.tabs.map(
        (tab, index) =>
          html`<button
            part="tab${index === this.activeTab ? ' tab-active' : ''}"
            class="tab"
            id="tab-${index}"
            role="tab"
            type="button"
            aria-selected=${String(index === this.activeTab)}
            aria-controls="tabpanel"
            tabindex=${index === this.activeTab ? '0' : '-1'}
            @click=${() => this.selectTab(index)}
          >
            ${tab.label}${tab.unread ? html` <span class="tab-count">${tab.unread > 99 ? '99+' : tab.unread}</span>` : nothing}
          </button>`,
      )}
    </div>`;
  }

  private selectTab(index: number): void {
    if (index === this.activeTab) return;
    this.activeId = null;
    this.groups = new Map();
    this.actions.showTab(index);
  }

  /** Left/Right (mirrored under RTL), Home and End move between tabs and select them. */
  private readonly onTabsKeydown = (event: KeyboardEvent) => {
    const rtl = getComputedStyle(this).direction === 'rtl';
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    const count = this.tabs.length;
    const target =
      step !== undefined
        ? (this.activeTab + step + count) % count
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? count - 1
            : null;
    if (target === null) return;
    event.preventDefault();
    this.selectTab(target);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${target}`)?.focus());
  };

  private renderList() {
    const { strings } = this.i18n;
    const panelAttributes = (content: unknown) =>
      this.tabs.length < 2
        ? content
        : html`<div id="tabpanel" class="tabpanel" role="tabpanel" aria-labelledby="tab-${this.activeTab}">${content}</div>`;
    if (this.listState === 'error') {
      return panelAttributes(
        html`<div class="state" role="alert">
          ${strings.loadError}
          <button class="text-button" type="button" @click=${() => this.actions.retry()}>${strings.retry}</button>
        </div>`,
      );
    }
    if (this.listState !== 'ready') return panelAttributes(html`<p class="state" role="status">${strings.loading}</p>`);
    if (this.items.length === 0) {
      return panelAttributes(
        html`<div class="state" role="status">
          <slot name="empty">${this.archivedTab ? strings.emptyArchived : strings.empty}</slot>
        </div>`,
      );
    }
    const now = Date.now();
    const activeId = this.activeId ?? this.items[0]!.id;
    return panelAttributes(html`
      <div class="scroller">
        <ul
          aria-labelledby="heading"
          aria-busy=${String(this.moreState === 'loading')}
          @keydown=${this.onListKeydown}
          @focusin=${this.onListFocus}
        >
          ${repeat(
            this.items,
            (item) => item.id,
            (item) =>
              renderNotificationItem(item, {
                i18n: this.i18n,
                actions: this.actions,
                now,
                icons: this.icons,
                renderItem: this.renderItem,
                active: item.id === activeId,
                group: this.renderGroup(item, now),
              }),
          )}
        </ul>
        ${this.moreState === 'loading' ? html`<p class="state" role="status">${strings.loading}</p>` : nothing}
        ${
          this.moreState === 'error'
            ? html`<div class="state" role="alert">
                ${strings.loadError}
                <button class="text-button" type="button" @click=${() => this.actions.loadMore()}>${strings.retry}</button>
              </div>`
            : nothing
        }
        ${this.hasMore && this.moreState !== 'error' ? html`<div class="end"></div>` : nothing}
      </div>
    `);
  }

  /** A group row's toggle ("Show all 5") and, once expanded, its notifications one by one. */
  private renderGroup(item: Notification, now: number) {
    if (item.groupCount <= 1 || !item.groupId) return nothing;
    const { strings } = this.i18n;
    const groupId = item.groupId;
    const expanded = this.groups.has(groupId);
    const members = this.groups.get(groupId);
    return html`<button
        part="group-toggle"
        class="group-toggle"
        type="button"
        aria-expanded=${String(expanded)}
        tabindex=${item.id === (this.activeId ?? this.items[0]?.id) ? '0' : '-1'}
        @click=${() => void this.toggleGroup(item)}
      >
        ${expanded ? strings.hideGroup : this.i18n.plural(strings.showGroup, item.groupCount)}
      </button>
      ${
        expanded
          ? members
            ? html`<ul class="group">
                ${members
                  .filter((member) => member.id !== item.id)
                  .map((member) =>
                    renderNotificationItem(member, {
                      i18n: this.i18n,
                      actions: this.actions,
                      now,
                      icons: this.icons,
                      renderItem: this.renderItem,
                      active: false,
                    }),
                  )}
              </ul>`
            : html`<p class="state" role="status">${strings.loading}</p>`
          : nothing
      }`;
  }

  private async toggleGroup(item: Notification): Promise<void> {
    const groupId = item.groupId!;
    const groups = new Map(this.groups);
    if (groups.has(groupId)) {
      groups.delete(groupId);
      this.groups = groups;
      return;
    }
    groups.set(groupId, null);
    this.groups = groups;
    const members = await this.actions.expandGroup(item).catch(() => []);
    if (this.groups.has(groupId)) this.groups = new Map(this.groups).set(groupId, members);
  }

  /** The item focus lands in (a click, Tab) holds the list's Tab stop from now on. */
  private readonly onListFocus = (event: FocusEvent) => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('ul:not(.group) > .item');
    if (item?.dataset.id) this.activeId = item.dataset.id;
  };

  /** Up/Down move between items, Home/End to the first and last: one Tab stop for the whole list. */
  private readonly onListKeydown = (event: KeyboardEvent) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
    const mains = [...this.renderRoot.querySelectorAll<HTMLElement>('.scroller > ul > .item > .row > .main')];
    if (mains.length === 0) return;
    const current = mains.findIndex(
      (main) => main.closest<HTMLElement>('.item')!.dataset.id === (this.activeId ?? this.items[0]?.id),
    );
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? mains.length - 1
          : Math.min(mains.length - 1, Math.max(0, current + (event.key === 'ArrowDown' ? 1 : -1)));
    event.preventDefault();
    const target = mains[next]!;
    this.activeId = target.closest<HTMLElement>('.item')!.dataset.id!;
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
  };

  private renderPreferencesView() {
    const { strings } = this.i18n;
    return this.preferences.render({
      pending: () => html`<p class="state" role="status">${strings.loading}</p>`,
      error: () =>
        html`<div class="state" role="alert">
          ${strings.loadError}
          <button class="text-button" type="button" @click=${() => this.preferences.run()}>${strings.retry}</button>
        </div>`,
      complete: (loaded) => {
        const current = this.saved ?? loaded;
        if (!current) return nothing;
        return html`
          ${renderPreferences(current, this.i18n, (update) => void this.save(update), this.push)}
          <p class="save-state ${this.saveState === 'failed' ? 'error' : ''}" role="status">
            ${{ idle: '', saving: strings.saving, saved: strings.saved, failed: strings.saveError }[this.saveState]}
          </p>
        `;
      },
    });
  }

  /** The push chunk loads only on a server that offers push; it syncs this browser's subscription, never asks. */
  private async loadPush(): Promise<void> {
    const offer = (await this.api.realtime().catch(() => null))?.push;
    if (!offer) return;
    const push = await import('../push/web-push.js');
    push.listenForChanges(this.api, offer);
    await push.syncPush(this.api, offer).catch(() => undefined);
    const control: PushControl = {
      state: await push.pushState(this.api, offer).catch(() => 'unsupported' as const),
      busy: false,
      toggle: async () => {
        const enable = control.state !== 'on';
        this.push = { ...control, busy: true };
        try {
          control.state = enable ? await push.enablePush(this.api, offer) : await push.disablePush(this.api, offer);
        } catch {
          control.state = 'failed';
        }
        this.push = { ...control };
      },
    };
    this.push = control;
  }

  private show(view: 'list' | 'preferences'): void {
    this.saved = null;
    this.saveState = 'idle';
    this.view = view;
  }

  private async save(update: PreferencesUpdate): Promise<void> {
    this.saveState = 'saving';
    try {
      this.saved = await this.api.updatePreferences(update);
      this.saveState = 'saved';
    } catch {
      this.saveState = 'failed';
    }
  }

  private focusables(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>(`.panel :is(${FOCUSABLE})`)];
  }

  /** Escape closes; Tab and Shift+Tab wrap around inside the dialog. */
  private readonly onKeydown = (event: KeyboardEvent) => {
    if (this.mode === 'inline') return;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      return this.actions.close();
    }
    if (event.key !== 'Tab') return;
    const focusables = this.focusables();
    const index = focusables.indexOf((this.shadowRoot?.activeElement ?? null) as HTMLElement);
    const target = event.shiftKey
      ? index <= 0
        ? focusables.at(-1)
        : null
      : index === -1 || index === focusables.length - 1
        ? focusables[0]
        : null;
    if (target) {
      event.preventDefault();
      target.focus();
    }
  };
}

/**
 * Locks the page's scroll under the sheet, keeping the scrollbar's room as padding so the content
 * does not move; returns the unlock.
 */
function lockScroll(): () => void {
  const root = document.documentElement;
  const { overflow, paddingInlineEnd } = root.style;
  const scrollbar = window.innerWidth - root.clientWidth;
  root.style.overflow = 'hidden';
  if (scrollbar > 0) root.style.paddingInlineEnd = `${scrollbar}px`;
  return () => {
    root.style.overflow = overflow;
    root.style.paddingInlineEnd = paddingInlineEnd;
  };
}

/** Called by the root element when the center is first opened: this module is a lazy chunk. */
export function defineTrestaCenter(): void {
  if (!customElements.get('tresta-center')) customElements.define('tresta-center', TrestaCenter);
}
