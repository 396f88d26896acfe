// Courier's inbox web component (bell, popup menu, inbox), the counterpart of <tresta-notifications>.
export { CourierInboxPopupMenu } from '@trycourier/courier-ui-inbox';
