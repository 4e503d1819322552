/** 页面不存在: an address the console does not know (the server answers it with status 404). */
import { homeOf } from '../session.js';
import type { User } from '../types.js';

export function NotFound({ path, user }: { path: string; user: User }) {
  return (
    <div class="not-found" data-testid="not-found">
      <h1 class="page-title">页面不存在</h1>
      <p>
        没有「<code>{path}</code>」这个页面。地址可能输错了，或者该页面已经移动。
      </p>
      <p>
        <a class="btn btn-primary" href={homeOf(user)}>
          回到首页
        </a>
      </p>
    </div>
  );
}
