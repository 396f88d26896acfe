export interface Brand {
  name: string;
  logoUrl: string | null;
  /** Buttons and the header rule; a CSS colour. */
  primaryColor: string;
}

export const DEFAULT_BRAND: Brand = { name: 'Tresta', logoUrl: null, primaryColor: '#4f46e5' };
