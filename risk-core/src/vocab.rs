//! The domain's closed vocabularies: perils, industries, certification schemes, NIST CSF 2.0
//! functions and key controls. Names are the snake_case strings of the contract (§4).

use serde::Deserialize;
use std::fmt;

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The contract's name for it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the contract's name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// A source of loss modelled separately (frequencies and severities differ a lot by peril).
    Peril {
        /// Encryption / extortion.
        Ransomware = "ransomware",
        /// Data breach and privacy liability.
        DataBreach = "data_breach",
        /// Business email compromise and funds-transfer fraud.
        BecFraud = "bec_fraud",
        /// System failure and contingent (cloud, supplier) business interruption.
        BusinessInterruption = "business_interruption",
        /// Incidents in operational technology / industrial control systems.
        OtIncident = "ot_incident",
    }
}

/// Number of perils.
pub const PERILS: usize = 5;

vocabulary! {
    /// Industry of the insured firm.
    Industry {
        /// Manufacturing.
        Manufacturing = "manufacturing",
        /// Banking, insurance, financial services.
        Finance = "finance",
        /// Hospitals and health care.
        Healthcare = "healthcare",
        /// Wholesale and retail.
        Retail = "retail",
        /// Information technology and communications.
        InformationTechnology = "information_technology",
        /// Energy.
        Energy = "energy",
        /// Water, power and gas utilities.
        Utilities = "utilities",
        /// Chemicals and materials.
        Chemicals = "chemicals",
        /// Public administration.
        Public = "public",
        /// Education.
        Education = "education",
        /// Legal, accounting, consulting.
        ProfessionalServices = "professional_services",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// A certification or assurance scheme.
    Scheme {
        /// ISO/IEC 27001 ISMS.
        Iso27001 = "iso27001",
        /// ISO/IEC 27017 cloud controls (ISMS add-on).
        Iso27017 = "iso27017",
        /// ISO/IEC 27701 privacy.
        Iso27701 = "iso27701",
        /// IEC 62443 industrial automation and control systems (takes a security level).
        Iec62443 = "iec62443",
        /// SOC 2 Type I (design).
        Soc2Type1 = "soc2_type1",
        /// SOC 2 Type II (operating effectiveness).
        Soc2Type2 = "soc2_type2",
        /// UK Cyber Essentials.
        CyberEssentials = "cyber_essentials",
        /// UK Cyber Essentials Plus.
        CyberEssentialsPlus = "cyber_essentials_plus",
        /// IPA SECURITY ACTION one star (self-declared).
        SecurityAction1 = "security_action_1",
        /// IPA SECURITY ACTION two stars (self-diagnosis + policy).
        SecurityAction2 = "security_action_2",
        /// METI supply-chain security evaluation star 3 (self-assessed).
        SupplyChain3 = "supply_chain_3",
        /// METI supply-chain security evaluation star 4 (third party).
        SupplyChain4 = "supply_chain_4",
        /// PCI DSS.
        PciDss = "pci_dss",
    }
}

vocabulary! {
    /// NIST CSF 2.0 function.
    Function {
        /// GV.
        Govern = "govern",
        /// ID.
        Identify = "identify",
        /// PR.
        Protect = "protect",
        /// DE.
        Detect = "detect",
        /// RS.
        Respond = "respond",
        /// RC.
        Recover = "recover",
    }
}

vocabulary! {
    /// A key control insurers ask about.
    Control {
        /// Multi-factor authentication coverage: none, partial, full.
        Mfa = "mfa",
        /// Endpoint detection and response deployed.
        Edr = "edr",
        /// Offline / immutable backups: none, untested, tested.
        OfflineBackups = "offline_backups",
        /// Days to patch critical vulnerabilities.
        PatchCriticalDays = "patch_critical_days",
        /// RDP exposed to the internet.
        ExposedRdp = "exposed_rdp",
        /// End-of-life software in use.
        EolSoftware = "eol_software",
        /// Incident response plan: none, documented, tested.
        IrPlan = "ir_plan",
        /// Email filtering and web security.
        EmailFiltering = "email_filtering",
    }
}

vocabulary! {
    /// What a supplier does for its buyer (contract §16): its role sets its base compromise rate.
    SupplierRole {
        /// IT services: managed service providers, outsourced IT, hosting (privileged access).
        ItService = "it_service",
        /// Software and SaaS vendors.
        Software = "software",
        /// Parts and contract manufacturing.
        Manufacturing = "manufacturing",
        /// Logistics and distribution.
        Logistics = "logistics",
        /// Anything else.
        Other = "other",
    }
}

/// Number of supplier roles.
pub const SUPPLIER_ROLES: usize = 5;

vocabulary! {
    /// A coverage section of a cyber policy (contract §10): what part of an event's loss it pays.
    Section {
        /// Forensics, legal advice, notification, call centre, crisis communication.
        IncidentResponse = "incident_response",
        /// Lost profit and extra expense while systems are down (after a waiting period).
        BusinessInterruption = "business_interruption",
        /// Ransom and negotiation.
        Extortion = "extortion",
        /// Restoring or recreating data and software.
        DataRestoration = "data_restoration",
        /// Funds lost to social engineering and funds-transfer fraud.
        SocialEngineering = "social_engineering",
        /// Third-party privacy and network-security liability, defence costs.
        PrivacyLiability = "privacy_liability",
        /// Regulatory defence and fines where insurable.
        Regulatory = "regulatory",
        /// Payment-card (PCI) fines and assessments.
        Pci = "pci",
    }
}

/// Number of coverage sections.
pub const SECTIONS: usize = 8;

/// The METI Cybersecurity Management Guidelines v3.0's ten directions to executives (指示1–10,
/// profile keys `d1`–`d10`) and the NIST CSF 2.0 functions each bears on (models/README.md:
/// govern ← 1, 2, 3, 9; identify ← 4, 6, 10; protect ← 5; detect ← 5, 10; respond ← 7;
/// recover ← 8) [A]. The `meti_guideline` questionnaire sets the same functions.
pub const METI_DIRECTIONS: [&[Function]; 10] = [
    &[Function::Govern],
    &[Function::Govern],
    &[Function::Govern],
    &[Function::Identify],
    &[Function::Protect, Function::Detect],
    &[Function::Identify],
    &[Function::Respond],
    &[Function::Recover],
    &[Function::Govern],
    &[Function::Identify, Function::Detect],
];
