// Novu's Inbox UI (bell, inbox, preferences) for a page without a framework.
export { NovuUI } from '@novu/js/ui';
