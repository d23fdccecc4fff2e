//! The portal's two languages: Simplified Chinese (the default) and English.
//!
//! The language is the `lang` cookie set by the 中文 | English switch in the header
//! (`/lang/zh-CN`, `/lang/en`); without the cookie, an `Accept-Language` that prefers English
//! over Chinese picks English. Page text is written in Chinese and looked up in a small
//! catalog ([`english`], one `match` — a key listed twice is an unreachable pattern, which the
//! lint gate refuses); a unit test checks that every `t("…")` in the templates and the portal
//! sources has its English. Errors come from the domain with both texts (`message`,
//! `message_en` and the same per field), so they are shown in the chosen language as they are.

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::error::{ErrorBody, FieldProblem};

/// Name of the language cookie.
pub const LANG_COOKIE: &str = "lang";

/// A language of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The `lang` cookie, else the first of Chinese or English in `Accept-Language` (by
    /// weight), else Chinese.
    pub fn of(req: &Request) -> Lang {
        if let Some(v) = super::cookie_value(req, LANG_COOKIE) {
            return Lang::parse(&v).unwrap_or_default();
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default()
    }

    /// `zh-CN` / `zh` / `en` (any case).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else if s == "zh" || s.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The preferred of Chinese and English in an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The value of `<html lang>`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// The text `zh` in this language: itself in Chinese, its English from the catalog
    /// (Chinese again when the catalog has none: a page not translated yet stays readable).
    pub fn t(self, zh: &str) -> &str {
        match self {
            Lang::Zh => zh,
            Lang::En => english(zh).unwrap_or(zh),
        }
    }

    /// One of two texts given side by side (sentences with values in them).
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// An error's message in this language.
    pub fn message(self, b: &ErrorBody) -> String {
        self.pick(&b.message, &b.message_en).to_owned()
    }

    /// A field problem's message in this language.
    pub fn field_message(self, f: &FieldProblem) -> String {
        self.pick(&f.message, &f.message_en).to_owned()
    }
}

/// `/lang/{zh-CN|en}`: remembers the language for a year and goes back to the page the switch
/// was clicked on (the same site's `Referer`), else to the start page.
#[handler]
pub fn switch(req: &Request, code: Path<String>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let back = back_to(req).unwrap_or_else(|| "/".to_owned());
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, back)
        .header(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.html()
            ),
        )
        .finish()
}

/// The path (and query) of a same-site `Referer`.
fn back_to(req: &Request) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let rest = referer.split_once("://")?.1;
    let path = rest.strip_prefix(host)?;
    (path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/lang/"))
        .then(|| path.to_owned())
}

/// The English of a portal text, keyed by its Chinese.
#[allow(clippy::too_many_lines)]
pub fn english(zh: &str) -> Option<&'static str> {
    Some(match zh {
        // Chrome and navigation.
        "职称申报系统" => "Professional title declarations",
        "退出登录" => "Sign out",
        "zhicheng 职称申报与评审 · 电子证书可在线查验 · 不再发放纸质证书" => {
            "zhicheng professional title declaration and review · electronic certificates verifiable online · no more paper certificates"
        }
        "我的申报" => "My declarations",
        "新增申报" => "New declaration",
        "基本信息" => "My details",
        "修改密码" => "Change password",
        "单位信息" => "Unit",
        "路径申请" => "Reporting paths",
        "申报审核与上报" => "Review and report",
        "单位经办人" => "Staff accounts",
        "本部门" => "Department",
        "路径申请与审核" => "Reporting paths",
        "经办人" => "Operators",
        "本机构" => "Organisation",
        "路径审核" => "Path requests",
        "受理与评审" => "Acceptance and review",
        "评审计划" => "Review plans",
        "单位管理" => "Units",
        "姓名更正" => "Name corrections",
        // Roles, kinds and states from the domain.
        "申报人" => "Applicant",
        "用人单位" => "Employer unit",
        "主管部门" => "Competent department",
        "人社局" => "HR bureau",
        "评委会组建单位" => "Review committee organiser",
        "未申请" => "Not applied",
        "待人社局审核" => "Awaiting the HR bureau",
        "已开通" => "Granted",
        "未通过" => "Not approved",
        "已通过" => "Approved",
        "男" => "Male",
        "女" => "Female",
        // Error pages.
        "错误代码" => "Error code",
        "返回首页" => "Back to the start page",
        "记录不存在" => "Not found",
        "无权访问" => "Not allowed",
        "系统内部错误" => "Internal error",
        "无法完成操作" => "Could not be done",
        "无权访问此页面" => "You may not open this page",
        "表单已失效" => "The form has expired",
        "表单校验码缺失或不正确，本次提交未作任何处理。请返回上一页，刷新后重新提交。" => {
            "The form's security token is missing or wrong, so nothing was done. Go back, reload the page and submit again."
        }
        // Login.
        "登录" => "Sign in",
        "用户名或身份证号码" => "Username or ID number",
        "密码" => "Password",
        "验证码" => "Captcha",
        "验证码图片：请输入图中的 4 个字符" => {
            "Captcha picture: type the 4 characters it shows"
        }
        "看不清？" => "Cannot read it? ",
        "换一张" => "Show another",
        "登录已过期或尚未登录。登录后将回到您刚才所在的页面，已填写但未保存的内容可在该页面恢复。" => {
            "Your session has ended or you are not signed in. After signing in you return to the \
             page you were on, where anything typed but not saved can be restored."
        }
        "（不区分大小写）" => " (case does not matter)",
        "连续 5 次输错密码，账户将锁定 15 分钟后自动解锁。请勿连续点击“立即登录”。" => {
            "5 wrong passwords in a row lock the account for 15 minutes; it then unlocks by itself. Please do not click “Sign in” repeatedly."
        }
        "立即登录" => "Sign in",
        "没有账号？" => "No account? ",
        "个人注册" => "Register as a person",
        "单位注册" => "Register a unit",
        "找回用户名或密码" => "Recover username or password",
        "请输入图中的字符，不区分大小写；每张图片只能用一次。" => {
            "Type the characters in the picture (case does not matter); each picture works once."
        }
        // Registration.
        "每个身份证号码只能注册一个账号；姓名和身份证号码注册后不能修改，请与身份证保持一致。" => {
            "One account per ID number. Name and ID number cannot be changed after registration: enter them exactly as on the ID card."
        }
        "带 * 的为必填项。" => " Fields marked * are required.",
        "返回登录页" => "Back to sign-in",
        "身份证号码" => "ID number",
        "18 位，最后一位可以是 X；出生日期和性别由号码自动识别。" => {
            "18 characters; the last may be X. Birth date and gender are read from the number."
        }
        "姓名" => "Name",
        "民族" => "Ethnicity",
        "如：汉族" => "e.g. 汉族 (Han)",
        "手机号码" => "Mobile number",
        "用于找回用户名或密码。" => "Used to recover your username or password.",
        "用户名" => "Username",
        "4–32 位字母、数字或 _ . - @，以字母开头。登录时也可以使用身份证号码。" => {
            "4–32 letters, digits or _ . - @, starting with a letter. You can also sign in with your ID number."
        }
        "至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不能包含用户名、身份证号码或手机号码。" => {
            "At least 8 characters from at least three of: capitals, small letters, digits, symbols; without your username, ID number or mobile number."
        }
        "确认密码" => "Confirm password",
        "为了安全，密码需要重新输入。" => {
            "For your safety, please type the password again."
        }
        "注册" => "Register",
        "已有账号？去登录" => "Have an account? Sign in",
        "用人单位注册管理员账号。单位名称注册后不能修改；注册后请登录并申请职称评审权限。" => {
            "An employer unit registers its administrator account. The unit name cannot be changed afterwards; after registering, sign in and apply for the title-review permission."
        }
        "单位名称" => "Unit name",
        "与营业执照或法人证书上的名称一致。" => {
            "As on the business licence or legal-person certificate."
        }
        "联系手机号码" => "Contact mobile number",
        "尽量填写本省手机号码；忘记密码或重复注册时，人社局据此核实单位身份。" => {
            "Preferably a number of this province; the HR bureau uses it to confirm who you are if the password is lost or the unit registers twice."
        }
        "管理员用户名" => "Administrator username",
        "4–32 位字母、数字或 _ . - @，以字母开头。" => {
            "4–32 letters, digits or _ . - @, starting with a letter."
        }
        "至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不能包含用户名。" => {
            "At least 8 characters from at least three of: capitals, small letters, digits, symbols; without the username."
        }
        "注册成功" => "Registered",
        "去登录" => "Sign in",
        "两次输入的密码不一致" => "The two passwords differ",
        "注册信息有误，请按提示修改" => "Please correct the registration as shown",
        // Region picker.
        "所属地区" => "Region",
        "省份" => "Province",
        "市" => "City",
        "区县" => "District",
        "请选择" => "Choose",
        "显示下级地区" => "Show the next level",
        "依次选择省、市、区县，例如 山东省 › 威海市 › 文登区。注册地为区县的单位请选到区县。" => {
            "Choose the province, city and district in turn, e.g. 山东省 › 威海市 › 文登区. Units registered in a district choose the district."
        }
        // Recovery.
        "通过注册时填写的手机号码找回。为保护您的信息，无论信息是否匹配，页面都显示相同的提示；同一手机号码 15 分钟内最多发送 3 条短信。" => {
            "We text the mobile number given at registration. To protect your data the answer is the same whether or not the details match; at most 3 messages per number in 15 minutes."
        }
        "找回用户名" => "Recover the username",
        "注册手机号码" => "Registered mobile number",
        "发送用户名短信" => "Text me the username",
        "找回密码" => "Reset the password",
        "发送验证码" => "Text me a code",
        "返回登录" => "Back to sign-in",
        "如填写的信息与注册信息一致，短信已发送到该手机号码，请注意查收。" => {
            "If the details match a registration, a text message has been sent to that number."
        }
        "重置密码" => "Reset the password",
        "如填写的信息与注册信息一致，验证码已发送到该手机号码，5 分钟内有效，最多可输入 5 次。重置后所有已登录的设备都将退出，账户锁定同时解除。" => {
            "If the details match a registration, a code has been texted to that number: valid for 5 minutes, 5 tries. Resetting signs out every device and ends a lock."
        }
        "短信验证码" => "Code from the text message",
        "新密码" => "New password",
        "确认新密码" => "Confirm the new password",
        "重新获取验证码" => "Get a new code",
        "密码已重置" => "Password reset",
        "密码已重置，账户锁定已解除，所有设备上的登录均已退出。请使用新密码登录。" => {
            "The password is reset, any lock is lifted and every device is signed out. Sign in with the new password."
        }
        "验证码不正确" => "The code is wrong",
        // Change password.
        "密码已修改，其他设备上的登录已全部退出。" => {
            "Password changed; every other device has been signed out."
        }
        "您的密码由他人设置（人社局重置的一次性密码或管理员设置的初始密码），请先修改密码；修改前不能办理其他业务。" => {
            "Your password was set by someone else (a one-time password from the HR bureau or an initial password from your administrator): change it first — nothing else is possible until you do."
        }
        "当前密码" => "Current password",
        // Profile and name correction.
        "出生日期" => "Date of birth",
        "性别" => "Gender",
        "姓名和身份证号码注册确认后不能自行修改（人社局也不能直接修改）；姓名有误请提交下方的“姓名更正申请”。出生日期和性别由身份证号码得出。" => {
            "Name and ID number cannot be edited after registration (not even by the HR bureau); if your name is wrong, send the name correction request below. Birth date and gender come from the ID number."
        }
        "保存基本信息" => "Save my details",
        "基本信息已保存。" => "Your details are saved.",
        "姓名更正申请" => "Name correction request",
        "您有一条姓名更正申请正在等待人社局审核，审核完成前不能再次提交。" => {
            "A name correction request of yours is waiting for the HR bureau; you can send another once it is decided."
        }
        "由您所在用人单位的属地人社局审核；通过后姓名立即更正。请写明原因并上传证明材料（户口簿、居民身份证等的扫描件或照片）。" => {
            "Decided by the HR bureau of your employer unit's region; once approved your name is corrected at once. Give the reason and upload the evidence (a scan or photo of the household register, ID card or similar)."
        }
        "所在用人单位" => "Your employer unit",
        "正确姓名" => "Correct name",
        "更正原因" => "Reason for the correction",
        "证明材料说明" => "Description of the evidence",
        "选填，如：户口簿（户号 …）、居民身份证（签发机关 …）。" => {
            "Optional, e.g. household register (number …), ID card (issued by …)."
        }
        "证明材料文件" => "Evidence file",
        "PDF、JPEG 或 PNG，不超过附件大小上限；只有您本人和审核的人社局可以查看。" => {
            "PDF, JPEG or PNG within the attachment size limit; only you and the deciding HR bureau can see it."
        }
        "出错后请重新选择文件。" => " After an error, choose the file again.",
        "提交姓名更正申请" => "Send the name correction request",
        "姓名更正申请已提交，请等待所在单位的人社局审核；结果显示在下方。" => {
            "The name correction request is sent; the HR bureau of your unit will decide, and the result shows below."
        }
        "我的申请" => "My requests",
        "原姓名" => "Old name",
        "新姓名" => "New name",
        "证明材料" => "Evidence",
        "状态" => "Status",
        "审核意见" => "Decision note",
        "提交时间" => "Sent",
        "请选择所在的用人单位" => "Choose your employer unit",
        "姓名应为 2–40 个文字，与身份证一致" => {
            "A name has 2–40 characters, as on the ID card"
        }
        // Unit page and permission.
        "机构类型" => "Kind",
        "统一社会信用代码" => "Unified social credit code",
        "职称评审权限" => "Title-review permission",
        "说明" => "Note",
        "自动核验未通过，申请已转人社局人工审核，请耐心等待；审核结果会显示在此处。" => {
            "The automatic check did not pass, so the application went to the HR bureau for manual review; its decision will show here."
        }
        "本单位职工现在可以选择本单位申报职称。请在“路径申请”中为需要的系列和级别申请上报路径。" => {
            "Your staff can now choose this unit when they declare. Request reporting paths for the series and levels you need under “Reporting paths”."
        }
        "申请职称评审权限" => "Apply for the title-review permission",
        "填写统一社会信用代码，选择所属地区。系统自动核验：校验位正确、信用代码登记地与所属地区一致且无同名单位已有权限的，立即开通；登记地在外省的不予受理；校验位不符或登记地不在同一市、区县的，转属地人社局人工审核。提示“已经存在有权限的同名单位”的，为重复注册，请联系人社局查询原账号。" => {
            "Enter the unified social credit code and choose the region. The system checks automatically: a correct check character, a code registered in the same region and no unit of the same name holding the permission grant it at once; a code registered in another province is refused; a wrong check character or another city or district goes to the local HR bureau for manual review. “A unit of the same name already holds the permission” means the unit registered twice: ask the HR bureau for the existing account."
        }
        "提交申请" => "Apply",
        "权限申请已提交，结果见下方“职称评审权限”。" => {
            "The application is sent; see “Title-review permission” below for the result."
        }
        "审核结果已保存。" => "The decision is saved.",
        "申请信息有误，请按提示修改" => "Please correct the application as shown",
        "统一社会信用代码应为 18 位，不含 I、O、Z、S、V" => {
            "A unified social credit code has 18 characters, without I, O, Z, S or V"
        }
        "待人工审核的单位权限申请" => "Permission applications awaiting manual review",
        "本辖区内自动核验未通过的用人单位。请核对营业执照或法人证书后决定。" => {
            "Employer units in your jurisdiction whose automatic check did not pass. Check the business licence or legal-person certificate, then decide."
        }
        "暂无待审核的申请。" => "Nothing is waiting.",
        "地区" => "region",
        "转人工原因：" => "Why it needs a review: ",
        "审核意见（选填）" => "Decision note (optional)",
        "通过" => "Approve",
        "驳回" => "Reject",
        "请点击“通过”或“驳回”" => "Click “Approve” or “Reject”",
        "常用功能" => "Common tasks",
        "：" => ": ",
        "审核下级单位、主管部门的上报路径申请。" => {
            "Decide the reporting-path requests of the units and departments below you."
        }
        "按职称系列和级别申请上报路径，上级审核通过后才能上报。" => {
            "Request reporting paths by series and level; declarations can be reported once the next level has approved them."
        }
        "处理本机构当前持有的申报。" => {
            "Handle the declarations your organisation holds now."
        }
        "发布年度申报通知，设置申报时间。" => {
            "Publish the yearly declaration notice and set the declaration window."
        }
        // Staff accounts.
        "为每位办理职称业务的工作人员单独开设账号，不要共用管理员密码。经办人以本单位身份办理审核、上报等业务，操作记录中保留经办人本人的账号。" => {
            "Give every staff member who handles title matters an account of their own: never share the administrator's password. Operators act for the unit, and every action is recorded under the operator's own account."
        }
        "类型" => "Type",
        "创建时间" => "Created",
        "操作" => "Actions",
        "管理员" => "Administrator",
        "已停用" => "Disabled",
        "正常" => "Active",
        "待修改初始密码" => "Must change the initial password",
        "启用" => "Enable",
        "停用" => "Disable",
        "新增经办人" => "Add a staff account",
        "初始密码" => "Initial password",
        "至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类。请当面告知本人；本人首次登录时须修改密码。" => {
            "At least 8 characters from at least three of: capitals, small letters, digits, symbols. Tell it to the person face to face; they must change it at their first sign-in."
        }
        "确认初始密码" => "Confirm the initial password",
        "创建经办人账号" => "Create the account",
        "经办人账号已创建。请将用户名和初始密码当面告知本人；本人首次登录时须修改密码。" => {
            "The staff account is created. Tell the username and initial password to the person face to face; they must change the password at their first sign-in."
        }
        "账号已停用，该经办人的登录已全部退出。" => {
            "The account is disabled and every session of the operator has ended."
        }
        "账号已重新启用。" => "The account is enabled again.",
        // Units in the jurisdiction.
        "此密码只显示这一次，请核实单位身份后告知；对方首次登录时须修改密码。" => {
            "This password is shown only once: hand it over after checking who asks; it must be changed at the first sign-in."
        }
        "本辖区内注册的用人单位。单位忘记密码或基本信息（含单位名称）有误时，在此重置管理员密码或更正信息；每次操作都记入审计日志。" => {
            "Employer units registered in your jurisdiction. When a unit has lost its password or its data (the name included) is wrong, reset the administrator's password or correct the data here; every action is audited."
        }
        "本辖区暂无注册单位。" => "No unit is registered in your jurisdiction yet.",
        "重置管理员密码" => "Reset the administrator's password",
        "更正单位信息" => "Correct the unit's data",
        "所属地区代码" => "Region code",
        "如：营业执照名称变更" => "e.g. the business licence name changed",
        "保存更正" => "Save the correction",
        "单位信息已更正，原值和新值已记录在审计日志中。" => {
            "The unit's data is corrected; the old and new values are in the audit log."
        }
        // Name correction review.
        "姓名更正审核" => "Name corrections",
        "暂无姓名更正申请。" => "No name correction requests.",
        "所在单位" => "Unit",
        "审核意见（驳回必填）" => "Decision note (required to reject)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_cookie_wins_then_accept_language_then_chinese() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("fr;q=1, en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("de, fr"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
        let req = Request::builder()
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::COOKIE, "lang=zh-CN")
            .finish();
        assert_eq!(Lang::of(&req), Lang::Zh);
        let req = Request::builder()
            .header(header::ACCEPT_LANGUAGE, "en")
            .finish();
        assert_eq!(Lang::of(&req), Lang::En);
        assert_eq!(Lang::En.t("登录"), "Sign in");
        assert_eq!(Lang::Zh.t("登录"), "登录");
        assert_eq!(Lang::En.t("没有英文的文字"), "没有英文的文字");
    }

    #[test]
    fn the_switch_goes_back_only_within_the_site() {
        let req = |referer: &str| {
            Request::builder()
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::REFERER, referer)
                .finish()
        };
        assert_eq!(
            back_to(&req("http://127.0.0.1:8080/register?x=1")).as_deref(),
            Some("/register?x=1")
        );
        assert_eq!(back_to(&req("https://evil.example/register")), None);
        assert_eq!(back_to(&req("http://127.0.0.1:8080.evil.example/")), None);
        assert_eq!(back_to(&req("http://127.0.0.1:8080//evil.example")), None);
    }

    #[test]
    fn navigation_and_domain_names_have_their_english() {
        use zhicheng_identity::correction::CorrectionStatus;
        use zhicheng_identity::{Gender, OrgKind, PermissionStatus};
        use zhicheng_kernel::Role;
        let roles = [
            Role::Applicant,
            Role::UnitAdmin,
            Role::DeptOperator,
            Role::HrBureau,
            Role::CommitteeOrganiser,
        ];
        let mut names: Vec<&str> = roles.iter().map(|r| r.zh()).collect();
        for r in roles {
            names.extend(super::super::common::nav_links(r).iter().map(|(_, l)| *l));
        }
        names.extend(
            [
                OrgKind::EmployerUnit,
                OrgKind::CompetentDepartment,
                OrgKind::HrBureau,
                OrgKind::CommitteeOrganiser,
            ]
            .map(OrgKind::zh),
        );
        names.extend(
            [
                PermissionStatus::NotApplied,
                PermissionStatus::ManualReview,
                PermissionStatus::Active,
                PermissionStatus::Rejected,
            ]
            .map(PermissionStatus::zh),
        );
        names.extend(
            [
                CorrectionStatus::Pending,
                CorrectionStatus::Approved,
                CorrectionStatus::Rejected,
            ]
            .map(CorrectionStatus::zh),
        );
        names.extend([Gender::Male, Gender::Female].map(Gender::zh));
        let missing: Vec<&str> = names.into_iter().filter(|n| english(n).is_none()).collect();
        assert!(missing.is_empty(), "no English for {missing:?}");
    }

    /// Every `t("…")` in the templates and the portal sources has its English.
    #[test]
    fn every_translated_text_is_in_the_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src/portal"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        let mut missing = Vec::new();
        let mut seen = 0;
        for path in files {
            if path.ends_with("i18n.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            // `.t("…")`, also when rustfmt put the text on its own line.
            while let Some(at) = rest.find(".t(") {
                rest = rest[at + 3..].trim_start();
                let Some(quoted) = rest.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = quoted.find('"') else {
                    break;
                };
                let key = &quoted[..end];
                seen += 1;
                if english(key).is_none() {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(seen > 100, "found only {seen} texts");
        assert!(
            missing.is_empty(),
            "no English for:\n{}",
            missing.join("\n")
        );
    }
}
