"""The shared model layer: admin, client portal and API all use these classes."""

from portal.models.activities import ACTIVITY_KINDS, Activity, CalendarToken
from portal.models.api import ApiToken, IdempotencyKey
from portal.models.audit import AuditLog
from portal.models.billing import (
    ESTIMATE_STATUSES,
    INVOICE_STATUSES,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Payment,
)
from portal.models.checkouts import PaymentCheckout
from portal.models.classifications import (
    ContactKeyword,
    CustomerProfile,
    Industry,
    MarketSegment,
    contact_keyword_links,
)
from portal.models.contact_security import ContactRecoveryCode
from portal.models.customer_files import CUSTOMER_FILE_KINDS, CustomerFile
from portal.models.customers import (
    CONTACT_PERMISSIONS,
    Contact,
    Currency,
    Customer,
    CustomerAddress,
    CustomerGroup,
    Note,
    TaxClass,
    TaxRate,
    customer_admins,
    customer_group_members,
)
from portal.models.finance import (
    REGISTRATION_STATUSES,
    SALE_STATUSES,
    RegistrationRequest,
    Sale,
)
from portal.models.links import DOCUMENT_LINK_KINDS, DocumentLink
from portal.models.outbox import OutboxEmail
from portal.models.registry import RegistryAnswer, RegistryReport
from portal.models.search import CustomerSearchToken
from portal.models.sessions import UserSession
from portal.models.settings import Setting
from portal.models.staff import ADMINISTRATOR, Role, RolePermission, Staff
from portal.models.tickets import (
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from portal.models.webhooks import WEBHOOK_EVENTS, Webhook, WebhookDelivery

__all__ = [
    "ACTIVITY_KINDS",
    "ADMINISTRATOR",
    "CONTACT_PERMISSIONS",
    "CUSTOMER_FILE_KINDS",
    "DOCUMENT_LINK_KINDS",
    "ESTIMATE_STATUSES",
    "INVOICE_STATUSES",
    "REGISTRATION_STATUSES",
    "SALE_STATUSES",
    "TICKET_PRIORITIES",
    "TICKET_STATUSES",
    "WEBHOOK_EVENTS",
    "Activity",
    "ApiToken",
    "AuditLog",
    "CalendarToken",
    "Contact",
    "ContactKeyword",
    "ContactRecoveryCode",
    "Currency",
    "Customer",
    "CustomerAddress",
    "CustomerFile",
    "CustomerGroup",
    "CustomerProfile",
    "CustomerSearchToken",
    "DocumentLink",
    "Estimate",
    "EstimateLine",
    "IdempotencyKey",
    "Industry",
    "Invoice",
    "InvoiceLine",
    "MarketSegment",
    "Note",
    "NumberSequence",
    "OutboxEmail",
    "Payment",
    "PaymentCheckout",
    "RegistrationRequest",
    "RegistryAnswer",
    "RegistryReport",
    "Role",
    "RolePermission",
    "Sale",
    "Setting",
    "Staff",
    "TaxClass",
    "TaxRate",
    "Ticket",
    "TicketAttachment",
    "TicketMessage",
    "UserSession",
    "Webhook",
    "WebhookDelivery",
    "contact_keyword_links",
    "customer_admins",
    "customer_group_members",
]
