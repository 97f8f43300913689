//! The sidebar of the whole product, in one table.

/// One entry of the sidebar.
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    /// The SVG path data of the entry's 24×24 outline icon.
    pub icon: &'static str,
}

/// A titled group of sidebar entries.
pub struct NavGroup {
    pub label: &'static str,
    pub items: &'static [NavItem],
}

/// Build, Deploy, Monitor, Settings: every page of the product.
pub static NAV: &[NavGroup] = &[
    NavGroup {
        label: "Build",
        items: &[
            NavItem { label: "Assistants", href: "/assistants", icon: "M12 3a4 4 0 0 1 4 4v4a4 4 0 0 1-8 0V7a4 4 0 0 1 4-4zM5 11a7 7 0 0 0 14 0M12 18v3" },
            NavItem { label: "Knowledge Base", href: "/knowledge-base", icon: "M4 5a2 2 0 0 1 2-2h12v16H6a2 2 0 0 0-2 2zM4 21V5M8 7h7" },
            NavItem { label: "Tools", href: "/tools", icon: "M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.1-.6-.6-2.1z" },
        ],
    },
    NavGroup {
        label: "Deploy",
        items: &[
            NavItem { label: "Phone Numbers", href: "/phone-numbers", icon: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2" },
            NavItem { label: "Webhooks", href: "/webhooks", icon: "M10 14a3.5 3.5 0 0 0 5 0l4-4a3.5 3.5 0 0 0-5-5l-.5.5M14 10a3.5 3.5 0 0 0-5 0l-4 4a3.5 3.5 0 0 0 5 5l.5-.5" },
        ],
    },
    NavGroup {
        label: "Monitor",
        items: &[
            NavItem { label: "Usage & Cost", href: "/usage", icon: "M4 20V10M10 20V4M16 20v-7M22 20H2" },
            NavItem { label: "Call History", href: "/calls", icon: "M12 7v5l3 3M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0" },
            NavItem { label: "Analytics", href: "/analytics", icon: "M3 17l6-6 4 4 8-8M14 7h7v7" },
        ],
    },
    NavGroup {
        label: "Settings",
        items: &[
            NavItem { label: "Providers", href: "/settings/providers", icon: "M9 7V3M15 7V3M6 7h12v4a6 6 0 0 1-12 0zM12 17v4" },
            NavItem { label: "Budgets & Alerts", href: "/settings/budgets", icon: "M12 3v18M17 7.5C17 5.6 14.8 4.5 12 4.5S7 5.6 7 7.5s2.2 2.8 5 3.5 5 1.6 5 3.5-2.2 3-5 3-5-1.1-5-3" },
            NavItem { label: "Team", href: "/settings/team", icon: "M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M21 19v-1a4 4 0 0 0-3-3.9M16 4.1a3 3 0 0 1 0 5.8" },
            NavItem { label: "API Tokens", href: "/settings/tokens", icon: "M15 7a4 4 0 1 1-3.9 5H3v3h3v-3M19 11a4 4 0 0 0-4-4" },
        ],
    },
];
