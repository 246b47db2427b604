/**
 * The MIPTech demo site: four pages and the React ChatWidget, talking to the platform that
 * serves the page. `?debug=1` adds the ConnectionTest panel.
 */
import { ChatController } from '@miptech/client';
import { ChatWidget, ConnectionTest } from '@miptech/react';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { PAGES, type PageId } from './pages.tsx';
import './site.css';

const TENANT_ID = 'miptech-company';
const query = new URLSearchParams(location.search);
const debug = query.get('debug') === '1';
const theme = query.get('theme') === 'dark' ? 'dark' : query.get('theme') === 'auto' ? 'auto' : 'light';
const controller = new ChatController({ baseUrl: location.origin, tenantId: TENANT_ID });

function pageOf(path: string): PageId {
  const id = path.replace(/^\/+|\/+$/g, '') || 'home';
  return id in PAGES ? (id as PageId) : 'home';
}

function Site() {
  const [page, setPage] = useState(() => pageOf(location.pathname));
  useEffect(() => {
    const onPop = () => setPage(pageOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `${PAGES[page].title} · MIP Technologies`;
  }, [page]);
  const go = (id: PageId) => (event: { preventDefault(): void }) => {
    event.preventDefault();
    history.pushState(null, '', id === 'home' ? '/' : `/${id}`);
    setPage(id);
    scrollTo(0, 0);
  };
  const Page = PAGES[page].Component;
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="site">
        <a className="brand" href="/" onClick={go('home')}>
          MIP Technologies
        </a>
        <nav aria-label="Main">
          <ul>
            {(Object.keys(PAGES) as PageId[]).map((id) => (
              <li key={id}>
                <a
                  href={id === 'home' ? '/' : `/${id}`}
                  aria-current={page === id ? 'page' : undefined}
                  onClick={go(id)}
                >
                  {PAGES[id].title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="content">
        <Page openChat={() => controller.initialize().catch(() => {})} />
      </main>
      <footer>© MIP Technologies · Built on the MIPTech AI Platform</footer>
      {debug && <ConnectionTest baseUrl={location.origin} tenantId={TENANT_ID} environment="development" />}
      <ChatWidget
        controller={controller}
        theme={theme}
        title="MIPTech AI Assistant"
        placeholder="How can I help you today?"
        greeting="Hi! I'm MIPTech's assistant. Ask me about our services, prices or process."
      />
    </>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Site />
    </StrictMode>,
  );
}
