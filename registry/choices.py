from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    BASIC = "basic", _("Basic")
    SUBSTANTIAL = "substantial", _("Substantial")
    HIGH = "high", _("High")


class Category(models.TextChoices):
    FIREWALL = "firewall", _("Next-generation firewall")
    WAF = "waf", _("Web application firewall")
    SIEM = "siem", _("Security information and event management")
    IPS = "ips", _("Network intrusion prevention")
    ANTI_MALWARE = "anti_malware", _("Anti-malware")
    EDR = "edr", _("Endpoint detection and response")
    NAC = "nac", _("Network access control")
    VPN = "vpn", _("VPN gateway")
    OTHER = "other", _("Other")


class RequirementMethod(models.TextChoices):
    MANUAL = "manual", _("Manual test")
    DOCUMENT = "document", _("Document review")
    AUTOMATED = "automated", _("Automated check")


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class CertificateAction(models.TextChoices):
    ISSUE = "issue", _("Issue")
    SUSPEND = "suspend", _("Suspend")
    REINSTATE = "reinstate", _("Reinstate")
    REVOKE = "revoke", _("Revoke")
    EXPIRE = "expire", _("Expire")
    RENEW = "renew", _("Renew")
    MAINTAIN = "maintain", _("Maintain (new version)")


class ReviewStatus(models.TextChoices):
    """A request that staff decide: a vendor's identity change, a Make in Viet Nam attestation."""

    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ArtifactKind(models.TextChoices):
    SBOM = "sbom", _("Software bill of materials (SBOM)")
    INSTALLER = "installer", _("Installer")
    USER_GUIDE = "user_guide", _("User guide")
    ADMIN_GUIDE = "admin_guide", _("Administrator guide")
    SECURITY_TARGET = "security_target", _("Security target")
    TEST_REPORT = "test_report", _("Test report")
    OTHER = "other", _("Other")


# The 34 provinces and centrally-run cities in force since 1 July 2025, with their official codes.
# Source: General Statistics Office letter 915/CTK-CSCL (via dvhcvn/20250701, MIT).
class Province(models.TextChoices):
    HA_NOI = "01", "Thành phố Hà Nội"
    CAO_BANG = "04", "Cao Bằng"
    TUYEN_QUANG = "08", "Tuyên Quang"
    DIEN_BIEN = "11", "Điện Biên"
    LAI_CHAU = "12", "Lai Châu"
    SON_LA = "14", "Sơn La"
    LAO_CAI = "15", "Lào Cai"
    THAI_NGUYEN = "19", "Thái Nguyên"
    LANG_SON = "20", "Lạng Sơn"
    QUANG_NINH = "22", "Quảng Ninh"
    BAC_NINH = "24", "Bắc Ninh"
    PHU_THO = "25", "Phú Thọ"
    HAI_PHONG = "31", "Thành phố Hải Phòng"
    HUNG_YEN = "33", "Hưng Yên"
    NINH_BINH = "37", "Ninh Bình"
    THANH_HOA = "38", "Thanh Hóa"
    NGHE_AN = "40", "Nghệ An"
    HA_TINH = "42", "Hà Tĩnh"
    QUANG_TRI = "44", "Quảng Trị"
    HUE = "46", "Thành phố Huế"
    DA_NANG = "48", "Thành phố Đà Nẵng"
    QUANG_NGAI = "51", "Quảng Ngãi"
    GIA_LAI = "52", "Gia Lai"
    KHANH_HOA = "56", "Khánh Hòa"
    DAK_LAK = "66", "Đắk Lắk"
    LAM_DONG = "68", "Lâm Đồng"
    DONG_NAI = "75", "Đồng Nai"
    HO_CHI_MINH = "79", "Thành phố Hồ Chí Minh"
    TAY_NINH = "80", "Tây Ninh"
    DONG_THAP = "82", "Đồng Tháp"
    VINH_LONG = "86", "Vĩnh Long"
    AN_GIANG = "91", "An Giang"
    CAN_THO = "92", "Thành phố Cần Thơ"
    CA_MAU = "96", "Cà Mau"


class RequirementGroup(models.TextChoices):
    """The requirement groups every scheme uses (stable codes in the scheme files)."""

    DOCUMENTATION = "documentation", _("Documentation")
    ADMINISTRATION = "administration", _("Administration and authentication")
    LOGGING = "logging", _("Logging and audit")
    PERFORMANCE = "performance", _("Performance")
    SELF_PROTECTION = "self_protection", _("Self-protection")
    PROTECTION = "protection", _("Protection functions")
    VULNERABILITY = "vulnerability", _("Vulnerability management and SBOM")
    ORIGIN = "origin", _("Origin (Make in Viet Nam)")
