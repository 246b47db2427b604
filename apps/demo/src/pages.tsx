/** The demo site's pages: a company website as a visitor finds it, with the assistant in the corner. */
import type { ComponentType } from 'react';

interface PageProps {
  openChat: () => void;
}

function Home(_props: PageProps) {
  return (
    <section className="hero">
      <h1>Software that works for your business</h1>
      <p>
        MIP Technologies designs, builds and runs web applications, mobile apps and AI assistants for
        companies across Europe. Ask our assistant anything: it answers from our own pages, and a person takes
        over when you want one.
      </p>
      <ul className="cards">
        <li>
          <h2>Web development</h2>
          <p>Company websites, web applications and customer portals.</p>
        </li>
        <li>
          <h2>AI assistants</h2>
          <p>Assistants that answer from your own knowledge, on your own site.</p>
        </li>
        <li>
          <h2>Cloud and DevOps</h2>
          <p>Hosting, monitoring and the pipelines that ship safely.</p>
        </li>
      </ul>
    </section>
  );
}

function Services(_props: PageProps) {
  return (
    <section>
      <h1>Services</h1>
      <ul className="cards">
        {[
          ['Web development', 'Marketing sites from €8,000; web applications and portals from €40,000.'],
          [
            'AI assistants and chatbots',
            'On the MIPTech AI Platform: a setup fee from €2,500, then from €300 a month.',
          ],
          ['Mobile apps', 'iOS and Android apps that share one code base.'],
          ['Cloud and DevOps', 'Migrations, infrastructure as code, on-call support.'],
          ['UX and UI design', 'Research, prototypes and design systems.'],
          ['Consulting', 'Architecture reviews and technical due diligence.'],
        ].map(([title, text]) => (
          <li key={title}>
            <h2>{title}</h2>
            <p>{text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function About(_props: PageProps) {
  return (
    <section>
      <h1>About us</h1>
      <p>
        We are a small team of engineers and designers. Every project follows the same six steps, from the
        first workshop to support after launch, with one project manager from start to finish.
      </p>
    </section>
  );
}

function Contact({ openChat }: PageProps) {
  return (
    <section>
      <h1>Contact</h1>
      <p>
        Write to <a href="mailto:hello@miptechnologies.tech">hello@miptechnologies.tech</a>, or ask the
        assistant in the corner: it can hand you over to a person.
      </p>
      <button type="button" className="cta" onClick={openChat}>
        Start a conversation
      </button>
    </section>
  );
}

export type PageId = 'home' | 'services' | 'about' | 'contact';

export const PAGES: Record<PageId, { title: string; Component: ComponentType<PageProps> }> = {
  home: { title: 'Home', Component: Home },
  services: { title: 'Services', Component: Services },
  about: { title: 'About', Component: About },
  contact: { title: 'Contact', Component: Contact },
};
