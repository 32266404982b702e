/**
 * Read-only queries over a parsed catalog, filtered by what a user's roles allow.
 */
import { LocalizedText, Role } from '../types';
import type { ApprovalPolicy } from '../approvals/policy';
import { Catalog, Category, Service, Template } from './schema';

/** Where a template lives in the catalog. */
export interface TemplateLocation {
  category: Category;
  service: Service;
  template: Template;
}

export type CanUse = 'ok' | 'unknown' | 'retired' | 'forbidden';

/**
 * True when roles may use an entity with this audience. A missing or empty audience means
 * everyone; otherwise the roles must intersect it (no role implies another one).
 */
export function audienceAllows(audience: readonly Role[] | undefined, roles: readonly Role[]): boolean {
  if (!audience || audience.length === 0) return true;
  return audience.some((r) => roles.includes(r));
}

/** Navigation of the catalog as the bot shows it: categories → services → templates. */
export class CatalogService {
  private readonly categoriesById = new Map<string, Category>();
  private readonly servicesById = new Map<string, { category: Category; service: Service }>();
  private readonly templatesById = new Map<string, TemplateLocation>();

  constructor(readonly catalog: Catalog) {
    for (const category of catalog.categories) {
      this.categoriesById.set(category.id, category);
      for (const service of category.services) {
        this.servicesById.set(service.id, { category, service });
        for (const template of service.templates) {
          this.templatesById.set(template.id, { category, service, template });
        }
      }
    }
  }

  /** Text telling users whom to contact with questions. */
  get contact(): LocalizedText {
    return this.catalog.contact;
  }

  /** Categories that hold at least one template these roles can use. */
  categoriesFor(roles: readonly Role[]): Category[] {
    return this.catalog.categories.filter((c) => this.allTemplatesInCategory(c.id, roles).length > 0);
  }

  /** Services of a category that the roles may use and that have at least one usable template. */
  servicesFor(categoryId: string, roles: readonly Role[]): Service[] {
    const category = this.categoriesById.get(categoryId);
    if (!category) return [];
    return category.services.filter((s) => this.usableTemplates(s, roles).length > 0);
  }

  /** Usable templates of a service: not retired and allowed by both service and template audience. */
  templatesFor(serviceId: string, roles: readonly Role[]): Template[] {
    const entry = this.servicesById.get(serviceId);
    return entry ? this.usableTemplates(entry.service, roles) : [];
  }

  /** Every usable template of a category, in catalog order ("Ver todas las plantillas"). */
  allTemplatesInCategory(categoryId: string, roles: readonly Role[]): Template[] {
    const category = this.categoriesById.get(categoryId);
    if (!category) return [];
    return category.services.flatMap((s) => this.usableTemplates(s, roles));
  }

  /** A category by id. */
  findCategory(id: string): Category | undefined {
    return this.categoriesById.get(id);
  }

  /** A service by id, whatever its audience. */
  findService(id: string): Service | undefined {
    return this.servicesById.get(id)?.service;
  }

  /** A template by id, including retired and restricted ones (old tickets still refer to them). */
  findTemplate(id: string): Template | undefined {
    return this.templatesById.get(id)?.template;
  }

  /** The category and service that hold a template. */
  locate(templateId: string): TemplateLocation | undefined {
    return this.templatesById.get(templateId);
  }

  /**
   * The approval a ticket of this template needs before it enters the support queue: the template's
   * own `approval`, else its service's; undefined when none (or the template is unknown). Audience
   * is a separate question: {@link canUse} decides who may file it.
   */
  approvalFor(templateId: string): ApprovalPolicy | undefined {
    const loc = this.templatesById.get(templateId);
    return loc ? (loc.template.approval ?? loc.service.approval) : undefined;
  }

  /** Whether the roles may open a ticket with this template, and if not, why. */
  canUse(templateId: string, roles: readonly Role[]): CanUse {
    const loc = this.templatesById.get(templateId);
    if (!loc) return 'unknown';
    if (loc.template.retired) return 'retired';
    if (!audienceAllows(loc.service.audience, roles) || !audienceAllows(loc.template.audience, roles)) {
      return 'forbidden';
    }
    return 'ok';
  }

  private usableTemplates(service: Service, roles: readonly Role[]): Template[] {
    if (!audienceAllows(service.audience, roles)) return [];
    return service.templates.filter((t) => !t.retired && audienceAllows(t.audience, roles));
  }
}
