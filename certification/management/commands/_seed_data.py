"""Demo content for `manage.py seed_demo`: fictional companies, products, accounts and the story of
each application, plus small generated files (installer, PDF guides, CycloneDX SBOM).

Every company, person, product, tax code, address and domain here is invented. Tax codes carry a
correct check digit; web sites and security contacts use the reserved .example domain.
"""

import datetime
import hashlib
import json
import unicodedata
import uuid

from accounts import mfa

DEMO_PASSWORD = "demo-password-2026"
# Evaluators, certifiers and staff must sign in with a second factor: every demo account of those roles
# (and the admin) has TOTP with this published secret. Add it to an authenticator app, or print the
# current code with `manage.py demo_totp EMAIL` (only while DEBUG is on). Never use it for real accounts.
DEMO_TOTP_SECRET = mfa.DEMO_TOTP_SECRET

# Accounts ---------------------------------------------------------------------------------------

# (email, role or None, full name, language, vendor key)
ACCOUNTS = [
    ("vendor@demo.vn", "vendor", "Trần Minh Quân", "vi", "saoviet"),
    ("vendor2@demo.vn", "vendor", "Lê Thị Hồng Nhung", "vi", "hangiang"),
    ("vendor3@demo.vn", "vendor", "Phạm Quốc Bảo", "vi", "phuongnam"),
    ("vendor4@demo.vn", "vendor", "Đỗ Thanh Hương", "vi", "truongson"),
    ("vendor5@demo.vn", "vendor", "Hoàng Văn Long", "vi", "lachong"),
    ("vendor6@demo.vn", "vendor", "Vũ Ngọc Anh", "vi", "mayxanh"),
    ("vendor7@demo.vn", "vendor", "Daniel Tan", "en", "aurora"),
    ("vendor8@demo.vn", "vendor", "Emily Carter", "en", "kestrel"),
    ("evaluator@demo.vn", "evaluator", "Nguyễn Văn An", "vi", None),
    ("evaluator2@demo.vn", "evaluator", "Bùi Thị Lan", "vi", None),
    ("certifier@demo.vn", "certifier", "Đặng Quang Huy", "vi", None),
    ("certifier2@demo.vn", "certifier", "Ngô Thị Mai", "vi", None),
    ("staff@demo.vn", "staff", "Lý Thu Trang", "vi", None),
    ("buyer@demo.vn", "procurement", "Trịnh Đức Thắng", "vi", None),
]
ADMIN_EMAIL = "admin@demo.vn"
ADMIN_NAME = "Quản trị hệ thống"

# Vendors ----------------------------------------------------------------------------------------

VENDORS = {
    "saoviet": dict(
        legal_name="Công ty Cổ phần Công nghệ An ninh mạng Sao Việt",
        name_en="Sao Viet Cybersecurity Technology JSC",
        tax_code="0108123455", province="01",
        address="Tầng 12, tòa nhà Sao Việt, 68 Trần Duy Hưng, phường Yên Hòa, Thành phố Hà Nội",
        website="https://saoviet-security.example", security_contact_email="security@saoviet-security.example",
        verified=True),
    "hangiang": dict(
        legal_name="Công ty TNHH Giải pháp Bảo mật Hàn Giang",
        name_en="Han Giang Security Solutions Co., Ltd.",
        tax_code="0401987658", province="48",
        address="Số 25 đường Bạch Đằng, phường Hải Châu, Thành phố Đà Nẵng",
        website="https://hangiang-sec.example", security_contact_email="psirt@hangiang-sec.example",
        verified=True),
    "phuongnam": dict(
        legal_name="Công ty Cổ phần Phần mềm Phương Nam Số",
        name_en="Phuong Nam Digital Software JSC",
        tax_code="0312345673", province="79",
        address="Số 180 đường Nguyễn Thị Minh Khai, phường Xuân Hòa, Thành phố Hồ Chí Minh",
        website="https://phuongnam-soft.example", security_contact_email="security@phuongnam-soft.example",
        verified=True),
    "truongson": dict(
        legal_name="Chi nhánh Công ty Cổ phần Mạng Trường Sơn tại Hải Phòng",
        name_en="Truong Son Networks JSC – Hai Phong Branch",
        tax_code="0108123462-001", province="31",
        address="Số 9 đường Lạch Tray, phường Gia Viên, Thành phố Hải Phòng",
        website="https://truongson-networks.example", security_contact_email="security@truongson-networks.example",
        verified=True),
    "lachong": dict(
        legal_name="Công ty Cổ phần An toàn Thông tin Lạc Hồng",
        name_en="Lac Hong Information Security JSC",
        tax_code="3301234568", province="46",
        address="Số 12 đường Hùng Vương, phường Thuận Hóa, Thành phố Huế",
        website="https://lachong-infosec.example", security_contact_email="security@lachong-infosec.example",
        verified=True),
    "mayxanh": dict(
        legal_name="Công ty TNHH Công nghệ Mây Xanh",
        name_en="May Xanh Cloud Technology Co., Ltd.",
        tax_code="2300456781", province="24",
        address="Lô B2, Khu công nghiệp Quế Võ, phường Phương Liễu, tỉnh Bắc Ninh",
        website="https://mayxanh-cloud.example", security_contact_email="security@mayxanh-cloud.example",
        verified=False),  # newly registered: staff have not verified it yet
    "aurora": dict(
        legal_name="Aurora Netsec Pte. Ltd.",
        name_en="Aurora Netsec Pte. Ltd. (Singapore)",
        tax_code="0318765434", province="79",
        address="Văn phòng đại diện: Tầng 20, 72 Lê Thánh Tôn, phường Sài Gòn, Thành phố Hồ Chí Minh",
        website="https://aurora-netsec.example", security_contact_email="psirt@aurora-netsec.example",
        verified=True),
    "kestrel": dict(
        legal_name="Kestrel Data Defense Inc.",
        name_en="Kestrel Data Defense Inc. (United States)",
        tax_code="0109876557", province="01",
        address="Văn phòng đại diện: Tầng 8, 54 Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội",
        website="https://kestrel-defense.example", security_contact_email="security@kestrel-defense.example",
        verified=True),
}

MVN_ALL = dict(mvn_researched=True, mvn_developed=True, mvn_produced=True, mvn_source_owner=True)

# Products ---------------------------------------------------------------------------------------

PRODUCTS = {
    "fortress": dict(
        vendor="saoviet", category="firewall", mvn=MVN_ALL,
        name="Tường lửa thế hệ mới SaoViet Fortress", name_en="SaoViet Fortress Next-Generation Firewall",
        description_vi=("Tường lửa thế hệ mới cho doanh nghiệp và cơ quan nhà nước: lọc có trạng thái, nhận diện "
                        "hơn 3.000 ứng dụng, phòng chống xâm nhập tích hợp, hoạt động dự phòng chủ–dự phòng."),
        description_en=("Next-generation firewall for enterprises and government agencies: stateful filtering, "
                        "identification of over 3,000 applications, built-in intrusion prevention and "
                        "active–passive high availability."),
        versions=[("2.8", "2022-03-15"), ("3.2", "2025-06-20")],
        components=["openssl", "zlib", "pcre2", "nginx", "sqlite", "own:fortress-core", "own:app-id-engine"]),
    "webshield": dict(
        vendor="saoviet", category="waf", mvn=MVN_ALL,
        name="SaoViet WebShield WAF", name_en="SaoViet WebShield WAF",
        description_vi=("Tường lửa ứng dụng web bảo vệ cổng thông tin điện tử và API, có mô hình an ninh tích cực, "
                        "vá ảo và bảng điều khiển tiếng Việt."),
        description_en=("Web application firewall protecting e-government portals and APIs, with a positive "
                        "security model, virtual patching and a Vietnamese-language console."),
        versions=[("2.1", "2025-04-02")],
        components=["openssl", "nginx", "libxml2", "pcre2", "own:webshield-engine", "npm:react"]),
    "hg-siem": dict(
        vendor="hangiang", category="siem", mvn=MVN_ALL,
        name="Hệ thống giám sát an ninh Hàn Giang SIEM", name_en="Han Giang SIEM",
        description_vi=("Thu thập, chuẩn hóa và tương quan nhật ký từ hơn 200 loại nguồn; luật tương quan xây sẵn "
                        "cho hệ thống thông tin của cơ quan nhà nước; lưu trữ dài hạn có kiểm tra toàn vẹn."),
        description_en=("Collects, normalises and correlates logs from more than 200 source types; ready-made "
                        "correlation rules for government information systems; long-term storage with integrity "
                        "checks."),
        versions=[("5.0", "2025-05-10")],
        components=["openssl", "zlib", "pypi:django", "pypi:requests", "maven:jackson-databind",
                    "own:hg-correlator"]),
    "hg-nac": dict(
        vendor="hangiang", category="nac",
        mvn=dict(mvn_researched=True, mvn_developed=True, mvn_produced=True, mvn_source_owner=False),
        name="Hàn Giang NAC", name_en="Han Giang Network Access Control",
        description_vi=("Kiểm soát truy cập mạng theo 802.1X, kiểm tra tuân thủ máy trạm và cổng đăng ký khách; "
                        "lõi RADIUS dùng mã nguồn được cấp phép từ đối tác."),
        description_en=("802.1X network access control with endpoint posture checking and a guest portal; the "
                        "RADIUS core is licensed from a partner."),
        versions=[("2.3", "2025-02-28")],
        components=["openssl", "zlib", "sqlite", "own:hg-posture-agent"]),
    "pn-antivirus": dict(
        vendor="phuongnam", category="anti_malware", mvn=MVN_ALL,
        name="Phương Nam Antivirus Doanh nghiệp", name_en="Phuong Nam Antivirus for Business",
        description_vi=("Phần mềm phòng, chống mã độc cho máy trạm Windows và Linux, quản lý tập trung, cơ sở dữ "
                        "liệu mẫu nhận diện cập nhật hằng giờ, chú trọng mẫu mã độc lưu hành tại Việt Nam."),
        description_en=("Anti-malware for Windows and Linux workstations with central management and hourly "
                        "signature updates, focused on malware circulating in Viet Nam."),
        versions=[("7.0", "2024-11-05"), ("7.1", "2025-08-01")],
        components=["openssl", "zlib", "sqlite", "own:pn-scan-engine"]),
    "pn-edr": dict(
        vendor="phuongnam", category="edr", mvn=MVN_ALL,
        name="PN Sentinel EDR", name_en="PN Sentinel EDR",
        description_vi=("Giải pháp phát hiện và phản ứng trên điểm cuối: thu thập dữ liệu đo từ xa, phát hiện theo "
                        "hành vi, cô lập máy và điều tra số từ một bảng điều khiển."),
        description_en=("Endpoint detection and response: telemetry collection, behavioural detection, host "
                        "isolation and forensic investigation from one console."),
        versions=[("1.0", "2025-03-18")],
        components=["openssl", "zlib", "maven:log4j-core", "npm:lodash", "own:pn-sentinel-agent"]),
    "ts-vpn": dict(
        vendor="truongson", category="vpn", mvn=MVN_ALL,
        name="Trường Sơn SecureGate VPN", name_en="Truong Son SecureGate VPN",
        description_vi=("Cổng mạng riêng ảo IPsec và TLS cho kết nối giữa trụ sở và chi nhánh, truy cập từ xa với "
                        "xác thực đa yếu tố và chứng thư số."),
        description_en=("IPsec and TLS VPN gateway for head office to branch links and remote access with "
                        "multi-factor authentication and digital certificates."),
        versions=[("4.1", "2025-01-20")],
        components=["openssl", "zlib", "strongswan", "own:securegate-core"]),
    "lh-ips": dict(
        vendor="lachong", category="ips", mvn=MVN_ALL,
        name="Lạc Hồng NetGuard IPS", name_en="Lac Hong NetGuard IPS",
        description_vi=("Hệ thống phát hiện và ngăn chặn xâm nhập mạng đặt nội tuyến, bộ chữ ký cập nhật hằng ngày, "
                        "hỗ trợ chữ ký tương thích Suricata."),
        description_en=("Inline network intrusion prevention system with daily signature updates and support for "
                        "Suricata-compatible signatures."),
        versions=[("5.0", "2025-05-30")],
        components=["openssl", "pcre2", "libpcap", "own:netguard-engine"]),
    "mx-waf": dict(
        vendor="mayxanh", category="waf", mvn={},
        name="Mây Xanh Cloud WAF", name_en="May Xanh Cloud WAF",
        description_vi="Dịch vụ tường lửa ứng dụng web trên nền tảng đám mây, triển khai nhanh cho website vừa và nhỏ.",
        description_en="Cloud-delivered web application firewall, quick to deploy for small and medium websites.",
        versions=[("1.0", "2025-09-01")],
        components=["openssl", "nginx", "golang:x-crypto", "own:mx-edge"]),
    "aurora-edr": dict(
        vendor="aurora", category="edr", mvn={},
        name="Aurora Endpoint Shield", name_en="Aurora Endpoint Shield",
        description_vi="Giải pháp EDR cho máy trạm và máy chủ, phân tích hành vi bằng học máy trên máy chủ quản lý.",
        description_en="EDR for workstations and servers, with machine-learning behaviour analysis on the server.",
        versions=[("10.4", "2025-02-11")],
        components=["openssl", "zlib", "pypi:cryptography", "own:aurora-agent"]),
    "aurora-ips": dict(
        vendor="aurora", category="ips", mvn={},
        name="Aurora Inline IPS", name_en="Aurora Inline IPS",
        description_vi="Thiết bị ngăn chặn xâm nhập mạng thông lượng cao cho trung tâm dữ liệu.",
        description_en="High-throughput network intrusion prevention appliance for data centres.",
        versions=[("6.0", "2025-04-22")],
        components=["openssl", "libpcap", "pcre2", "own:aurora-ips-engine"]),
    "kestrel-siem": dict(
        vendor="kestrel", category="siem", mvn={},
        name="Kestrel LogVault SIEM", name_en="Kestrel LogVault SIEM",
        description_vi="Hệ thống SIEM lưu trữ nhật ký dài hạn, tìm kiếm nhanh trên hàng tỷ sự kiện.",
        description_en="SIEM with long-term log storage and fast search across billions of events.",
        versions=[("8.2", "2025-03-03")],
        components=["openssl", "zlib", "maven:jackson-databind", "npm:express", "own:logvault-indexer"]),
}

# Applications: the story each one tells -----------------------------------------------------------

SCENARIOS = [
    dict(product="fortress", version="3.2", level="substantial", target="certified", certificate="active",
         evaluator="evaluator@demo.vn"),
    dict(product="fortress", version="2.8", level="basic", target="certified", certificate="expired",
         evaluator="evaluator@demo.vn"),
    dict(product="webshield", version="2.1", level="substantial", target="certified", certificate="suspended",
         evaluator="evaluator@demo.vn",
         suspend_reason=("Sau khi chứng nhận, phát hiện lỗ hổng nghiêm trọng trong mô-đun xử lý HTTP/2 của sản phẩm. "
                         "Tạm đình chỉ cho đến khi nhà cung cấp phát hành bản vá và được đánh giá lại.")),
    dict(product="pn-antivirus", version="7.0", level="basic", target="certified", certificate="revoked",
         evaluator="evaluator@demo.vn",
         suspend_reason=("Bản cập nhật mẫu nhận diện phát hành ngày 12/8 không được ký số, trái yêu cầu AM-SPR-01. "
                         "Tạm đình chỉ chờ nhà cung cấp khắc phục."),
         revoke_reason=("Nhà cung cấp không khắc phục việc phát hành bản cập nhật không ký số trong thời hạn đình "
                        "chỉ (yêu cầu AM-SPR-01). Thu hồi giấy chứng nhận.")),
    dict(product="ts-vpn", version="4.1", level="high", target="certified", certificate="active",
         evaluator="evaluator@demo.vn"),
    dict(product="aurora-edr", version="10.4", level="basic", target="certified", certificate="active",
         evaluator="evaluator2@demo.vn"),
    dict(product="hg-siem", version="5.0", level="substantial", target="in_evaluation",
         evaluator="evaluator2@demo.vn"),
    dict(product="hg-nac", version="2.3", level="basic", target="evaluated", evaluator="evaluator2@demo.vn"),
    dict(product="pn-edr", version="1.0", level="substantial", target="rejected", evaluator="evaluator@demo.vn",
         results={
             "EDR-PRT-02": ("fail", "Chỉ phát hiện 9/16 kỹ thuật trong kịch bản mô phỏng (56%), dưới mức 80%. Không "
                                    "phát hiện kỹ thuật đánh cắp thông tin xác thực từ bộ nhớ LSASS."),
             "EDR-PRT-03": ("fail", "Lệnh cô lập máy không có hiệu lực trên Windows Server 2019: sau 5 phút máy vẫn "
                                    "truy cập được thư mục chia sẻ SMB nội bộ; tác tử không báo lỗi."),
         },
         reject_note="Không đạt các yêu cầu bắt buộc EDR-PRT-02 và EDR-PRT-03; chi tiết xem kết quả đánh giá."),
    dict(product="lh-ips", version="5.0", level="basic", target="appealed", evaluator="evaluator@demo.vn",
         results={
             "IPS-PRF-01": ("fail", "Khi bật toàn bộ chữ ký khuyến nghị chỉ đạt 6,8 Gbps so với 10 Gbps công bố "
                                    "(68%); ở 100% tải, tỷ lệ phát hiện giảm từ 94% xuống 81%."),
         },
         reject_note="Không đạt yêu cầu bắt buộc IPS-PRF-01 về thông lượng và khả năng phát hiện khi chịu tải.",
         appeal_note=("Đề nghị xem xét lại: phép đo dùng bộ chữ ký thử nghiệm chưa phát hành. Chúng tôi gửi kèm "
                      "kết quả đo lại với bộ chữ ký chính thức 2025.09 đạt 8,6 Gbps.")),
    dict(product="kestrel-siem", version="8.2", level="basic", target="returned",
         return_note=("Hồ sơ chưa mô tả danh sách nguồn nhật ký được hỗ trợ; SBOM chưa liệt kê thành phần của "
                      "mô-đun thu thập. Đề nghị bổ sung và nộp lại.")),
    dict(product="aurora-ips", version="6.0", level="basic", target="withdrawn",
         withdraw_note="Rút hồ sơ để đăng ký đánh giá phiên bản 6.1 có sửa lỗi hiệu năng."),
    dict(product="pn-antivirus", version="7.1", level="substantial", target="submitted"),
    dict(product="mx-waf", version="1.0", level="basic", target="draft", draft_kinds=["installer"]),
]

# Evaluator2 worked for Lac Hong until recently, so she may not evaluate its products.
CONFLICTS = [
    dict(evaluator="evaluator2@demo.vn", vendor="lachong", relation="employment",
         started_on=datetime.date(2019, 7, 1), ended_on=datetime.date(2024, 12, 31),
         note="Từng là kỹ sư kiểm thử tại Lạc Hồng (2019–2024)."),
]

PASS_NOTE = "Đạt. Đã thực hiện theo hướng dẫn của chương trình; bằng chứng lưu trong hồ sơ thử nghiệm."
NOT_APPLICABLE_NOTE = "Không áp dụng: nhà cung cấp không khai báo sản phẩm “Make in Viet Nam”."
ORIGIN_FAIL_NOTE = "Không đạt: lõi RADIUS dùng mã nguồn được cấp phép từ đối tác, nhà cung cấp không làm chủ mã nguồn."

# Generated files ----------------------------------------------------------------------------------

# name -> (purl, version, licence); "own:" components are the vendor's own modules.
LIBRARIES = {
    "openssl": ("pkg:generic/openssl@3.0.15", "3.0.15", "Apache-2.0"),
    "zlib": ("pkg:generic/zlib@1.3.1", "1.3.1", "Zlib"),
    "pcre2": ("pkg:generic/pcre2@10.44", "10.44", "BSD-3-Clause"),
    "nginx": ("pkg:generic/nginx@1.26.2", "1.26.2", "BSD-2-Clause"),
    "sqlite": ("pkg:generic/sqlite@3.46.1", "3.46.1", "blessing"),
    "libxml2": ("pkg:generic/libxml2@2.13.4", "2.13.4", "MIT"),
    "libpcap": ("pkg:generic/libpcap@1.10.5", "1.10.5", "BSD-3-Clause"),
    "strongswan": ("pkg:generic/strongswan@5.9.14", "5.9.14", "GPL-2.0-or-later"),
    "npm:react": ("pkg:npm/react@18.3.1", "18.3.1", "MIT"),
    "npm:express": ("pkg:npm/express@4.21.2", "4.21.2", "MIT"),
    "pypi:django": ("pkg:pypi/django@5.2.4", "5.2.4", "BSD-3-Clause"),
    "pypi:requests": ("pkg:pypi/requests@2.32.4", "2.32.4", "Apache-2.0"),
    "pypi:cryptography": ("pkg:pypi/cryptography@44.0.1", "44.0.1", "Apache-2.0"),
    "maven:jackson-databind": ("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.18.2", "2.18.2",
                               "Apache-2.0"),
    # A deliberately old log4j in the rejected EDR: with OSV data imported it shows as a finding.
    "maven:log4j-core": ("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "2.14.1", "Apache-2.0"),
    # An old lodash, affected by real GitHub advisories in ../shared/data/osv: seed_demo imports them.
    "npm:lodash": ("pkg:npm/lodash@4.17.15", "4.17.15", "MIT"),
    "golang:x-crypto": ("pkg:golang/golang.org/x/crypto@v0.35.0", "v0.35.0", "BSD-3-Clause"),
}


def ascii_text(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D").replace("–", "-")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 128 and not unicodedata.combining(ch))


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text(text).lower()).split())


def installer_bytes(*, product: str, version: str, size: int = 8192) -> bytes:
    """An ELF header (sniffs as an executable) followed by deterministic bytes unique to the version."""
    seed = f"{product} {version}".encode()
    body = b""
    counter = 0
    while len(body) < size:
        body += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + body[:size]


def pdf_bytes(*, lines: list[str]) -> bytes:
    """A minimal valid one-page PDF (Helvetica, ASCII) with the given lines of text."""
    def escape(s: str) -> str:
        return ascii_text(s).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    parts = ["BT /F1 16 Tf 72 770 Td"]
    for i, line in enumerate(lines):
        if i == 1:
            parts.append("/F1 11 Tf")
        parts.append(f"({escape(line)}) Tj 0 -22 Td")
    parts.append("ET")
    stream = "\n".join(parts).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def sbom_bytes(*, product: dict, vendor: dict, version: str, release_date: str) -> bytes:
    """A small CycloneDX 1.5 JSON SBOM: the product as metadata.component and its libraries."""
    vendor_slug = slug(vendor["name_en"]).split("-")[0]
    product_purl = f"pkg:generic/{vendor_slug}/{slug(product['name_en'])}@{version}"
    components = []
    for name in product["components"]:
        if name.startswith("own:"):
            module = name[4:]
            purl = f"pkg:generic/{vendor_slug}/{module}@{version}"
            components.append({"type": "library", "bom-ref": purl, "name": module, "version": version,
                               "supplier": {"name": vendor["name_en"]}, "purl": purl,
                               "licenses": [{"license": {"name": "Proprietary"}}]})
            continue
        purl, lib_version, licence = LIBRARIES[name]
        component_name = purl.split("/")[-1].split("@")[0]
        components.append({"type": "library", "bom-ref": purl, "name": component_name, "version": lib_version,
                           "purl": purl, "licenses": [{"license": {"id": licence}}]})
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, product_purl)}",
        "version": 1,
        "metadata": {
            "timestamp": f"{release_date}T00:00:00Z",
            "component": {"type": "application", "bom-ref": product_purl, "name": product["name_en"],
                          "version": version, "supplier": {"name": vendor["name_en"]}, "purl": product_purl},
        },
        "components": components,
        "dependencies": [{"ref": product_purl, "dependsOn": [c["bom-ref"] for c in components]}]
        + [{"ref": c["bom-ref"]} for c in components],
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


MVN_STATEMENT = ("Sản phẩm do đội ngũ kỹ sư của công ty nghiên cứu, phát triển và sản xuất tại Việt Nam; công ty là chủ "
                 "sở hữu mã nguồn. / Researched, developed and produced in Viet Nam by the company's engineers; the "
                 "company owns the source code.")
MVN_REVIEW_NOTE = "Đã đối chiếu hồ sơ chứng minh (dữ liệu mẫu). / Evidence checked (demo data)."
