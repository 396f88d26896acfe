export { EMAIL_ON } from '../data/preference-columns.js';
