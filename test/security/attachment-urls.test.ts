import t from 'tap';
import { testApp } from '../helpers/app.js';

/** Issue 19, item 11: attachment URLs at intake are http(s) or our own /media/ paths, nothing else. */

t.test('POST /tickets refuses attachment URLs with other schemes', async (t) => {
  const h = await testApp(t);
  const file = (url: string) => h.call('operator', 'POST', '/api/v1/tickets', { content: '红都大道路灯不亮', attachments: [{ kind: 'image', url }] });
  for (const url of ['javascript:alert(document.cookie)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox', 'file:///etc/passwd', '//evil.example/x.png', '/media/../data/suban.db', '/api/v1/users']) {
    const r = await file(url);
    t.equal(r.status, 400, url);
    t.type(r.json?.error?.code, 'string', 'our error shape');
  }
  for (const url of ['https://img.example.cn/1.jpg', 'http://192.168.1.5/photo.png', '/media/wechat/abc.jpg']) t.equal((await file(url)).status, 201, url);
  const list = (await h.ctx.ticketStore.list({}, { limit: 20 })).items;
  t.notOk(list.some((x) => x.attachments.some((a) => !/^(https?:\/\/|\/media\/)/.test(a.url))), 'nothing else was stored');
});
