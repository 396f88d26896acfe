/** Plural forms of one phrase, chosen with Intl.PluralRules; `{count}` is replaced by the number. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** Every text the widget shows or speaks. Hosts override any of them through the `strings` property. */
export interface WidgetStrings {
  notifications: string;
  unread: PluralForms;
  noUnread: string;
  markAllRead: string;
  markRead: string;
  markUnread: string;
  empty: string;
  loading: string;
  loadError: string;
  retry: string;
  preferences: string;
  back: string;
  close: string;
  dismiss: string;
  newNotification: string;
  emailEnabled: string;
  digest: string;
  digestDaily: string;
  digestWeekly: string;
  digestOff: string;
  /** The email digest's local time zone, and the hour it goes out there. */
  timeZone: string;
  digestHour: string;
  /** Beside the browser's own time zone in the list. */
  thisDevice: string;
  /** The heading of the types without a category. */
  general: string;
  type: string;
  inApp: string;
  email: string;
  /** Web push: the column of the types, and the control that subscribes this browser. */
  push: string;
  pushDevice: string;
  pushEnable: string;
  pushDisable: string;
  pushDenied: string;
  pushUnsupported: string;
  pushFailed: string;
  saveError: string;
  saving: string;
  saved: string;
  /** Shown beside a type whose notifications cannot be turned off. */
  required: string;
  archive: string;
  unarchive: string;
  archiveRead: string;
  tabAll: string;
  tabUnread: string;
  tabArchived: string;
  emptyArchived: string;
  /** A collapsed group's toggle: "Show all 5". */
  showGroup: PluralForms;
  hideGroup: string;
  /** Display names of notification types; an unknown type is shown humanised ("WEEKLY_REPORT" → "Weekly report"). */
  types: Record<string, string>;
}
