//! The action vocabulary shared by the churn risk index and the playbook.

use serde::{Deserialize, Serialize};

use crate::{CrmkitError, Result};

/// A recommended action: one of the retention actions that the churn risk index and the
/// playbook's alert section share, or any other text (a team's own treatment).
///
/// Each known action has one string form, its snake_case code (the churn index's codes since
/// the first release), derived once with `strum`. Parsing also accepts the texts the playbook
/// used before the vocabulary was shared, so playbooks saved then still load — the documented
/// migration (docs/churn.md):
///
/// | code | also read from (saved playbooks) |
/// | --- | --- |
/// | `personal_call_back` | `personal call-back` |
/// | `personal_call_back_with_exclusive_offer` | — |
/// | `exclusive_retention_offer` | `exclusive retention offer` |
/// | `new_product_trial_voucher` | `new-product trial voucher` |
///
/// Any other non-empty text is [`Action::Custom`] and is kept as written (`From<&str>` and
/// `str::parse`, derived by strum, give the same without the emptiness check of
/// [`Action::parse`]). Serialises as its
/// string form; saving and loading again gives the codes.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::Action;
/// let a = Action::parse("personal call-back")?; // a playbook saved before the migration
/// assert_eq!(a, Action::PersonalCallBack);
/// assert_eq!(a.as_str(), "personal_call_back");
/// assert_eq!(serde_json::to_string(&a).unwrap(), "\"personal_call_back\"");
/// let own = Action::parse("invite to the summer party")?;
/// assert_eq!(own, Action::Custom("invite to the summer party".into()));
/// assert_eq!(own.to_string(), "invite to the summer party");
/// assert!(Action::parse("  ").is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(into = "String", try_from = "String")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// A personal call from the account manager or service.
    #[strum(to_string = "personal_call_back", serialize = "personal call-back")]
    PersonalCallBack,
    /// A personal call with an exclusive offer (red alert with complaints or competitor
    /// contact).
    PersonalCallBackWithExclusiveOffer,
    /// An exclusive offer to stay.
    #[strum(
        to_string = "exclusive_retention_offer",
        serialize = "exclusive retention offer"
    )]
    ExclusiveRetentionOffer,
    /// A voucher to try a new product (yellow alert).
    #[strum(
        to_string = "new_product_trial_voucher",
        serialize = "new-product trial voucher"
    )]
    NewProductTrialVoucher,
    /// Any other action, as written (non-empty).
    #[strum(default, to_string = "{0}")]
    Custom(String),
}

impl Action {
    /// The known actions (every variant but [`Action::Custom`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::Action;
    /// assert!(Action::KNOWN.iter().all(|a| a.as_str().parse::<Action>().unwrap() == *a));
    /// ```
    pub const KNOWN: [Action; 4] = [
        Action::PersonalCallBack,
        Action::PersonalCallBackWithExclusiveOffer,
        Action::ExclusiveRetentionOffer,
        Action::NewProductTrialVoucher,
    ];

    /// The action of a text: a known code (or an alias of a saved playbook), else a custom
    /// action. `str::parse` does the same without the emptiness check.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::Action;
    /// assert_eq!(Action::parse("new-product trial voucher")?, Action::NewProductTrialVoucher);
    /// assert_eq!(Action::parse("").unwrap_err().field(), Some("action"));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] (field `action`) for an empty or blank text.
    pub fn parse(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(CrmkitError::invalid_config(
                "action",
                text,
                "action must not be empty",
            ));
        }
        // EnumString's default variant takes every text that is not a known name.
        Ok(text
            .parse()
            .unwrap_or_else(|_| Action::Custom(text.to_owned())))
    }

    /// The string form: the code of a known action, the text of a custom one.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::Action;
    /// assert_eq!(Action::NewProductTrialVoucher.as_str(), "new_product_trial_voucher");
    /// assert_eq!(Action::Custom("call now".into()).as_str(), "call now");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Self::Custom(text) => text,
            known => known.into(),
        }
    }
}

impl TryFrom<String> for Action {
    type Error = CrmkitError;

    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Action> for String {
    fn from(a: Action) -> Self {
        match a {
            Action::Custom(text) => text,
            known => known.as_str().to_owned(),
        }
    }
}

impl PartialEq<str> for Action {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Action {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An action reads as its string form (`action.contains("offer")`, `Option::as_deref`).
impl std::ops::Deref for Action {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Action {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}
