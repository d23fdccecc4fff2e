//! The commitment letter (职称初定申报承诺书) an applicant accepts before declaring.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::PersonId;

/// A version of the commitment letter.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CommitmentLetter {
    pub version: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

/// The letter in force.
pub const CURRENT: CommitmentLetter = CommitmentLetter {
    version: "2022.1",
    title: "职称申报承诺书",
    body: "本人自愿申报专业技术职称，郑重承诺：\n\
一、本人所填报的个人信息、学历、资历、业绩成果、论文著作等申报材料全部真实、准确、完整，所提供的证书、证明及附件均为原件扫描件或经核实的复印件，不存在伪造、变造、冒用、抄袭等情形。\n\
二、本人遵守国家法律法规和职业道德，未受到影响本次申报的处分或处罚。\n\
三、本人知悉：通过弄虚作假、暗箱操作等违纪违规行为取得的职称，将予以撤销，记入职称评审诚信档案库，三年内不得申报职称；构成违法的，依法承担法律责任。\n\
四、本人同意用人单位、主管部门、人力资源社会保障部门和评委会组建单位为审核本次申报而查验、公示本人申报材料中依规应当公示的内容。\n\
五、申报提交后至评审结果公布前，本人保持通讯畅通，并及时登录系统查看申报状态。",
};

/// A person's acceptance of one letter version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentAcceptance {
    pub person_id: PersonId,
    pub letter_version: String,
    pub accepted_at: DateTime<Utc>,
}
