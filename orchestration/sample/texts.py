"""Words for the sample: fictional account names, the series' questions and answer phrases.

Every account is fictional; handles end in `_demo` so none can be mistaken for a real person.
The April questions are those of the published report (shared/reference/questions.csv).
"""

FIRST_NAMES = [
    "Asha",
    "Ben",
    "Carys",
    "Dev",
    "Elin",
    "Femi",
    "Gwen",
    "Hari",
    "Iona",
    "Jude",
    "Kemi",
    "Lowri",
    "Mali",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sami",
    "Tomas",
    "Uma",
    "Vik",
    "Wren",
    "Yusuf",
    "Zara",
    "Alys",
    "Bryn",
    "Cai",
    "Dafydd",
    "Effie",
    "Ffion",
    "Gethin",
    "Hana",
    "Ifan",
    "Jia",
    "Kit",
    "Leo",
    "Mair",
    "Nell",
    "Osian",
    "Pip",
    "Quin",
    "Rosa",
    "Seren",
    "Tegan",
    "Ula",
    "Vera",
    "Will",
    "Xia",
    "Yara",
    "Zed",
]
ROLES = [
    "QI",
    "Nurse",
    "Improve",
    "Lean",
    "Coach",
    "Data",
    "Quality",
    "Care",
    "Ward",
    "Pharm",
    "Safety",
    "Flow",
    "Team",
    "Lab",
    "Physio",
    "Ops",
    "GP",
    "Midwife",
    "Ed",
]

HOST = "QIChatHost_demo"
PANEL = ("PanelLead_demo", "PanelNurse_demo", "PanelData_demo", "PanelCoach_demo")

# chat id -> (title, [(question id, text)]) for the Jan-Apr 2023 series.
SERIES_QUESTIONS = {
    "leadingqi-2023-01": (
        "Building cultural readiness as the foundation for better QI outcomes",
        [
            ("1", "What does cultural readiness for improvement mean to you?"),
            ("2", "How can you tell whether a team is ready to start improving?"),
            ("3", "What have you done to build readiness before a QI project?"),
            ("4", "How do leaders shape the culture that improvement needs?"),
            ("5", "What will you do differently after tonight's tweetchat?"),
        ],
    ),
    "leadingqi-2023-02": (
        "How to build an effective infrastructure for improvement",
        [
            ("1", "What does an infrastructure for improvement look like in your organisation?"),
            ("2", "Which roles and teams make improvement work day to day?"),
            ("3", "How do you give staff the time and skills to improve?"),
            ("4", "How should data and measurement support improvement infrastructure?"),
            ("5", "What one change would strengthen your improvement infrastructure?"),
        ],
    ),
    "leadingqi-2023-03": (
        "Leaders light the path and show the way for others",
        [
            ("1", "What do leaders do that lights the path for improvement?"),
            ("2", "How do leaders show humility and learning in practice?"),
            ("3", "What leadership behaviours get in the way of improvement?"),
            ("4", "How can leaders at every level role-model improvement?"),
            ("5", "What insight will you take back to your team from tonight?"),
        ],
    ),
    "leadingqi-2023-04": (
        "Why social networks are vital for continuous improvement",
        [
            (
                "1",
                "Our theme this month is about the importance of relational 'connectedness' and "
                "social networks for improvement. Why does building relationships matter in quality "
                "improvement?",
            ),
            (
                "2",
                "What practical actions can we take to foster better relationships across teams, "
                "departments and levels of the organisation?",
            ),
            (
                "3",
                "How do you use your own networks in your quality improvement work? (We love practical examples)",
            ),
            (
                "4",
                "What advice would you give to senior leaders to foster stronger relationships and "
                "networks to support quality improvement?",
            ),
            (
                "5",
                "Last question of the night: What insights have you had from this tweetchat and/or "
                "what might you do to build your own networks and relationships for quality improvement?",
            ),
        ],
    ),
}

# Ideas participants put in their answers, by question number; shared across the series
# since the themes overlap, with the April ones closest to the published report.
IDEAS = {
    "1": [
        "relationships build trust and psychological safety",
        "trust is the social currency of improvement",
        "connected teams share ideas and learn together",
        "relationships let people challenge the status quo safely",
        "diverse perspectives generate better solutions",
        "without relationships there is no sustainable improvement",
        "connection turns a group into a team",
    ],
    "2": [
        "go to gemba and be visible where the work is done",
        "ask questions and really listen to the answers",
        "share food and stories across every level",
        "create safe spaces to learn from failure together",
        "learn in multidisciplinary cohorts",
        "leaders walking the floor with purpose",
        "celebrate small wins across departments",
    ],
    "3": [
        "networks connect people who face the same problem",
        "we run monthly cross-team huddles to share learning",
        "social media brings ideas from other trusts",
        "I share training materials through our network",
        "my network is where I test ideas before trying them",
        "peer support keeps me going when change is hard",
    ],
    "4": [
        "prioritise relationships before projects",
        "cross boundaries and meet people where they work",
        "share ideas inside and outside your organisation",
        "find your own authentic way to connect",
        "make time for informal conversations every week",
        "listen more than you talk",
    ],
    "5": [
        "I will share successes and failures more openly",
        "tweetchats are a great place to meet people",
        "I will encourage my team to build their networks",
        "reach out to someone new this month",
        "keep connecting online and in person",
        "bring these ideas to our next team meeting",
    ],
}
OPENERS = [
    "For me,",
    "Absolutely -",
    "In our trust",
    "Great question!",
    "I think",
    "Honestly,",
    "From experience,",
    "So true:",
    "Simple:",
    "We found that",
    "",
]
CLOSERS = [
    "",
    "",
    "Love this conversation.",
    "It's all about people.",
    "Small steps matter.",
    "Keep going!",
    "Thoughts?",
    "That's what makes it stick.",
]
REPLIES = [
    "Agree, {idea}.",
    "Love this! {idea}.",
    "So important - {idea}.",
    "Yes! And {idea}.",
    "Great point. For us {idea}.",
    "Couldn't agree more, {idea}.",
]
GENERAL = [
    "Joining tonight's tweetchat from the ward, great to see so many friends here",
    "Just catching up on tonight's chat, brilliant discussion",
    "Lovely to connect with new people tonight",
    "Thank you all for such a generous conversation",
    "Sharing our improvement story board from this week https://example.org/qi-storyboard",
    "Reading the blog ahead of the chat https://example.org/blog/relationships-and-qi",
]
NOISE_REPLIES = [
    "Thanks for sharing this",
    "Exactly what I was thinking",
    "Will message you about this",
    "Ha, so true",
    "Can you send me the link?",
    "Agreed",
]
POLLS = {
    "leadingqi-2023-04": [
        (
            "poll1",
            "Let's start with a poll! How many tweetchats have you taken part in?",
            [
                ("This is my first tweetchat", 13),
                ("3-5 tweetchats", 13),
                ("6 or more tweetchats", 14),
            ],
        ),
        (
            "poll2",
            "How important is it for senior leaders to (informally) connect with employees?",
            [
                ("Very important", 164),
                ("Somewhat important", 11),
                ("Not important at all", 1),
                ("Don't know", 1),
            ],
        ),
    ]
}
