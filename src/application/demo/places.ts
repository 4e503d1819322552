/**
 * Approximate centres (WGS84) of the demo city's townships (瑞金市), for the demo history's located
 * tickets: Open311 reports and shared WeChat locations carry coordinates, and the board's map shows
 * them. Rough to a few kilometres; demo data only, never used to route or to decide anything.
 */
export const DEMO_TOWNSHIP_CENTRES: Record<string, [number, number]> = {
  象湖镇: [25.886, 116.027],
  城市社区: [25.879, 116.018],
  壬田镇: [26.03, 116.04],
  沙洲坝镇: [25.868, 115.985],
  瑞林镇: [26.07, 115.87],
  黄柏乡: [25.99, 116.14],
  武阳镇: [25.79, 116.18],
  谢坊镇: [25.72, 116.0],
  叶坪镇: [25.925, 116.075],
  日东乡: [26.06, 116.2],
  云石山乡: [25.86, 115.89],
  大柏地乡: [26.12, 116.03],
  拔英乡: [25.98, 115.8],
  泽覃乡: [25.8, 115.93],
  冈面乡: [26.0, 116.26],
  万田乡: [25.765, 116.06],
  丁陂乡: [25.975, 115.95],
  九堡镇: [25.93, 115.92],
};

/** 红都大道与八一路交叉口: today's hotspot in the demo. */
export const DEMO_HOTSPOT_CENTRE: [number, number] = [25.8915, 116.0312];

/** A point within about `km` kilometres of a centre, from a number in [0, 1) pair. */
export function near([lat, lng]: [number, number], a: number, b: number, km: number): { lat: number; lng: number } {
  const r = km * Math.sqrt(a);
  const t = 2 * Math.PI * b;
  const dLat = (r * Math.sin(t)) / 111;
  const dLng = (r * Math.cos(t)) / (111 * Math.cos((lat * Math.PI) / 180));
  return { lat: Math.round((lat + dLat) * 1e6) / 1e6, lng: Math.round((lng + dLng) * 1e6) / 1e6 };
}
