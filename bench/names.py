"""Word lists for the generator: Japanese people and organisation names with romanisations.

Synthetic but realistic-looking: family and given names are common Japanese names; organisations
are combinations of a place or house name, a field and a legal form, in Japanese and English,
with the aliases real registries have (short forms, legal-form variants, width variants).
Nothing here describes a person's nationality, race, religion or birthplace.
"""

from __future__ import annotations

FAMILY_NAMES = [
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"),
    ("伊藤", "Ito"), ("渡辺", "Watanabe"), ("山本", "Yamamoto"), ("中村", "Nakamura"),
    ("小林", "Kobayashi"), ("加藤", "Kato"), ("吉田", "Yoshida"), ("山田", "Yamada"),
    ("佐々木", "Sasaki"), ("山口", "Yamaguchi"), ("松本", "Matsumoto"), ("井上", "Inoue"),
    ("木村", "Kimura"), ("林", "Hayashi"), ("斎藤", "Saito"), ("清水", "Shimizu"),
    ("山崎", "Yamazaki"), ("森", "Mori"), ("池田", "Ikeda"), ("橋本", "Hashimoto"),
    ("阿部", "Abe"), ("石川", "Ishikawa"), ("山下", "Yamashita"), ("中島", "Nakajima"),
    ("石井", "Ishii"), ("小川", "Ogawa"), ("前田", "Maeda"), ("岡田", "Okada"),
    ("長谷川", "Hasegawa"), ("藤田", "Fujita"), ("後藤", "Goto"), ("近藤", "Kondo"),
    ("村上", "Murakami"), ("遠藤", "Endo"), ("青木", "Aoki"), ("坂本", "Sakamoto"),
]

GIVEN_NAMES = [
    ("太郎", "Taro"), ("花子", "Hanako"), ("一郎", "Ichiro"), ("美咲", "Misaki"),
    ("健", "Ken"), ("陽子", "Yoko"), ("大輔", "Daisuke"), ("由美", "Yumi"), ("翔", "Sho"),
    ("直子", "Naoko"), ("誠", "Makoto"), ("恵", "Megumi"), ("拓也", "Takuya"),
    ("さくら", "Sakura"), ("浩", "Hiroshi"), ("愛", "Ai"), ("隆", "Takashi"),
    ("真理", "Mari"), ("亮", "Ryo"), ("智子", "Tomoko"), ("悠", "Yu"), ("彩", "Aya"),
    ("修", "Osamu"), ("麻衣", "Mai"), ("剛", "Tsuyoshi"), ("優子", "Yuko"), ("聡", "Satoshi"),
    ("香織", "Kaori"), ("和也", "Kazuya"), ("千尋", "Chihiro"),
]

# Faculties (研究科) and their departments (専攻).
FACULTIES = [
    ("ENG", "工学研究科", "Graduate School of Engineering",
     [("機械工学専攻", "Mechanical Engineering"), ("電気電子工学専攻", "Electrical and Electronic Engineering"),
      ("化学工学専攻", "Chemical Engineering"), ("材料工学専攻", "Materials Engineering"),
      ("航空宇宙工学専攻", "Aeronautics and Astronautics"), ("原子核工学専攻", "Nuclear Engineering"),
      ("建築学専攻", "Architecture"), ("土木工学専攻", "Civil Engineering")]),
    ("SCI", "理学研究科", "Graduate School of Science",
     [("数学専攻", "Mathematics"), ("物理学専攻", "Physics"), ("化学専攻", "Chemistry"),
      ("生物科学専攻", "Biological Sciences"), ("地球惑星科学専攻", "Earth and Planetary Sciences")]),
    ("MED", "医学研究科", "Graduate School of Medicine",
     [("基礎医学専攻", "Basic Medicine"), ("臨床医学専攻", "Clinical Medicine"),
      ("社会医学専攻", "Social Medicine"), ("保健学専攻", "Health Sciences")]),
    ("PHA", "薬学研究科", "Graduate School of Pharmaceutical Sciences",
     [("薬科学専攻", "Pharmaceutical Sciences"), ("医療薬学専攻", "Clinical Pharmacy")]),
    ("AGR", "農学研究科", "Graduate School of Agriculture",
     [("応用生命科学専攻", "Applied Life Sciences"), ("森林科学専攻", "Forest Science"),
      ("食品生物科学専攻", "Food Science and Biotechnology")]),
    ("INF", "情報学研究科", "Graduate School of Informatics",
     [("知能情報学専攻", "Intelligence Science and Technology"),
      ("通信情報システム専攻", "Communications and Computer Engineering"),
      ("数理工学専攻", "Applied Mathematics and Physics")]),
    ("ECO", "経済学研究科", "Graduate School of Economics",
     [("経済学専攻", "Economics"), ("経営学専攻", "Management")]),
    ("LAW", "法学研究科", "Graduate School of Law",
     [("法政理論専攻", "Law and Politics"), ("法曹養成専攻", "Legal Practice")]),
    ("LET", "文学研究科", "Graduate School of Letters",
     [("文献文化学専攻", "Philology"), ("思想文化学専攻", "Philosophy"),
      ("歴史文化学専攻", "History"), ("行動文化学専攻", "Behavioural Sciences")]),
    ("EDU", "教育学研究科", "Graduate School of Education",
     [("教育学環専攻", "Education Studies"), ("臨床教育学専攻", "Clinical Education")]),
    ("ENE", "エネルギー科学研究科", "Graduate School of Energy Science",
     [("エネルギー社会・環境科学専攻", "Socio-Environmental Energy Science"),
      ("エネルギー変換科学専攻", "Energy Conversion Science")]),
    ("IRI", "附置研究所", "Research Institutes",
     [("化学研究所", "Institute for Chemical Research"),
      ("生存圏研究所", "Research Institute for Sustainable Humanosphere"),
      ("防災研究所", "Disaster Prevention Research Institute"),
      ("エネルギー理工学研究所", "Institute of Advanced Energy")]),
]

# Organisation name parts: (Japanese, English).
HOUSES = [
    ("東都", "Toto"), ("北辰", "Hokushin"), ("大和", "Yamato"), ("瑞穂", "Mizuho"),
    ("日進", "Nisshin"), ("富岳", "Fugaku"), ("白鷺", "Shirasagi"), ("朝日", "Asahi"),
    ("光陽", "Koyo"), ("常磐", "Tokiwa"), ("若葉", "Wakaba"), ("青葉", "Aoba"),
    ("旭日", "Kyokujitsu"), ("昭栄", "Shoei"), ("三洋", "Sanyo"), ("菱和", "Ryowa"),
    ("千代田", "Chiyoda"), ("浪速", "Naniwa"), ("筑紫", "Tsukushi"), ("武蔵", "Musashi"),
    ("相模", "Sagami"), ("駿河", "Suruga"), ("信濃", "Shinano"), ("越後", "Echigo"),
    ("丹波", "Tamba"), ("播磨", "Harima"), ("出雲", "Izumo"), ("土佐", "Tosa"),
    ("肥後", "Higo"), ("薩摩", "Satsuma"), ("陸奥", "Mutsu"), ("出羽", "Dewa"),
    ("飛騨", "Hida"), ("伊勢", "Ise"), ("紀伊", "Kii"), ("安芸", "Aki"),
    ("長門", "Nagato"), ("日向", "Hyuga"), ("琉球", "Ryukyu"), ("蝦夷", "Ezo"),
]
FIELDS = [
    ("精密", "Precision"), ("電子", "Electronics"), ("化学", "Chemical"), ("製薬", "Pharmaceutical"),
    ("光学", "Optical"), ("材料", "Materials"), ("通信", "Communications"), ("半導体", "Semiconductor"),
    ("航空", "Aerospace"), ("機械", "Machinery"), ("情報", "Information"), ("バイオ", "Bio"),
    ("エネルギー", "Energy"), ("計測", "Instruments"), ("医療機器", "Medical Devices"),
    ("ロボティクス", "Robotics"), ("素材", "Advanced Materials"), ("ソフトウェア", "Software"),
    ("環境", "Environmental"), ("海洋", "Marine"), ("原子力", "Nuclear"), ("食品", "Foods"),
    ("重工", "Heavy Industries"), ("システム", "Systems"), ("技研", "Technical Research"),
]
# Legal forms: (Japanese template, English template, alias templates).
JP_FORMS = [
    ("株式会社{h}{f}", "{H} {F} Co., Ltd.", ["{h}{f}株式会社", "(株){h}{f}", "{H} {F}"]),
    ("{h}{f}工業株式会社", "{H} {F} Industries, Ltd.", ["{h}{f}工業", "{H} {F} Industries"]),
    ("{h}{f}研究所", "{H} {F} Laboratory", ["{h}{f}研", "{H} {F} Lab."]),
    ("一般財団法人{h}{f}振興財団", "{H} Foundation for {F}", ["{h}{f}振興財団"]),
    ("{h}{f}合同会社", "{H} {F} LLC", ["{H} {F}"]),
]
UNIVERSITY_FORMS = [
    ("{h}大学", "{H} University", ["{h}大", "{H} Univ."]),
    ("{h}工業大学", "{H} Institute of Technology", ["{h}工大", "{H} Tech"]),
    ("{h}{f}大学", "{H} University of {F}", ["{H} Univ. of {F}"]),
]
# Foreign organisations: country, name templates (English, native/Japanese form, aliases).
FOREIGN_PLACES = {
    "CN": [("北京", "Beijing"), ("上海", "Shanghai"), ("深圳", "Shenzhen"), ("西安", "Xi'an"),
           ("哈尔滨", "Harbin"), ("南京", "Nanjing"), ("成都", "Chengdu"), ("武汉", "Wuhan")],
    "US": [("", "Boston"), ("", "Pacific"), ("", "Midwest"), ("", "Atlantic"), ("", "Lone Star")],
    "KR": [("", "Seoul"), ("", "Busan"), ("", "Daejeon"), ("", "Incheon")],
    "DE": [("", "Bavarian"), ("", "Rhine"), ("", "Hanseatic"), ("", "Saxon")],
    "GB": [("", "Thames"), ("", "Cambridge Fen"), ("", "Pennine"), ("", "Clyde")],
    "FR": [("", "Lyon"), ("", "Provence"), ("", "Loire")],
    "RU": [("", "Novosibirsk"), ("", "Ural"), ("", "Volga")],
    "IR": [("", "Tehran"), ("", "Isfahan")],
    "SG": [("", "Straits"), ("", "Marina")],
    "TW": [("台北", "Taipei"), ("新竹", "Hsinchu")],
    "IN": [("", "Deccan"), ("", "Ganges")],
    "AU": [("", "Southern Cross"), ("", "Coral Sea")],
}
CN_FORMS = [
    ("{p}{f}技术有限公司", "{P} {F} Technology Co., Ltd.", ["{P} {F} Tech", "{p}{f}技术"]),
    ("{p}{f}研究院", "{P} Research Institute of {F}", ["{P} {F} Institute"]),
    ("{p}{f}大学", "{P} University of {F}", ["{P} Univ. of {F}"]),
]
WEST_FORMS = [
    ("", "{P} {F} Inc.", ["{P} {F}", "{P} {F} Incorporated"]),
    ("", "{P} {F} Ltd", ["{P} {F} Limited"]),
    ("", "{P} Institute of {F}", ["{P} Inst. of {F}"]),
    ("", "University of {P} {F}", ["{P} {F} Univ."]),
    ("", "{P} {F} GmbH", ["{P} {F}"]),
    ("", "{P} {F} Foundation", []),
]
CN_FIELDS = [
    ("电子", "Electronics"), ("航天", "Aerospace"), ("材料", "Materials"), ("信息", "Information"),
    ("光电", "Optoelectronics"), ("核能", "Nuclear Energy"), ("船舶", "Shipbuilding"),
    ("生物", "Biotech"), ("精密机械", "Precision Machinery"), ("通信", "Telecom"),
]
FUNDERS = [
    ("日本学術振興会", "Japan Society for the Promotion of Science", "JP"),
    ("科学技術振興機構", "Japan Science and Technology Agency", "JP"),
    ("日本医療研究開発機構", "Japan Agency for Medical Research and Development", "JP"),
    ("新エネルギー・産業技術総合開発機構", "New Energy and Industrial Technology Development Organization", "JP"),
    ("", "National Science Foundation", "US"), ("", "National Institutes of Health", "US"),
    ("", "European Research Council", "BE"), ("", "Deutsche Forschungsgemeinschaft", "DE"),
    ("国家自然科学基金委员会", "National Natural Science Foundation of China", "CN"),
    ("", "UK Research and Innovation", "GB"),
]

INSTITUTION_PLACES = [h for h, _e in HOUSES] + [
    "北海", "東北", "関東", "中部", "近畿", "中国", "四国", "九州", "京浜", "阪神",
]
