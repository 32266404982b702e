import { similarity, wordSet } from '../../src/domain/tickets/similarity';

describe('description similarity (token Jaccard on normalised Spanish text)', () => {
  it('ignores case, accents, punctuation, stop words and plurals', () => {
    expect([...wordSet('¡No puedo imprimir en las impresoras del 3er piso!')].sort()).toEqual(['3er', 'impresora', 'imprimir', 'piso']);
    expect(similarity('La IMPRESORA no imprime', 'impresoras: ¡no imprimen!')).toBe(1 / 3);
  });

  it('is shared words over all distinct words: 1 for the same words, 0 for none in common', () => {
    expect(similarity('VPN no conecta desde casa', 'desde casa, la vpn no conecta')).toBe(1);
    expect(similarity('VPN no conecta', 'buzón de correo lleno')).toBe(0);
    // {necesito→stop, vpn, trabajar, casa, semana} vs {vpn, trabajar, casa, semana, domingo}: 4 / 5.
    expect(similarity('Necesito VPN para trabajar desde casa esta semana', 'VPN para trabajar en casa esta semana y el domingo')).toBeCloseTo(4 / 5);
  });

  it('is 0 when a text has no meaningful word', () => {
    expect(similarity('de la que el', 'VPN')).toBe(0);
    expect(similarity('', '')).toBe(0);
  });
});
