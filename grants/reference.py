"""Reference lists seeded by a data migration: the cost taxonomy (domain-rules §6.2) and priority areas.

`seed_reference_lists` is idempotent; the migration calls it with historical models, tests and the
demo seeder with the real ones (a transactional test's flush empties these tables).
"""

from __future__ import annotations

from typing import Any

# fmt: off
COST_CATEGORIES = [
    # code, English, Russian, eligible, English note, Russian note
    ("staff", "Sponsor staff on the project and insurance contributions",
     "Оплата труда работников проекта и страховые взносы", True,
     "Timesheets and payroll records.", "Табели учёта рабочего времени и расчётные ведомости."),
    ("site", "Payments to medical organisations (trial sites), incl. investigator fees",
     "Оплата медицинским организациям (исследовательским центрам), включая вознаграждение исследователей", True,
     "Contract with a per-participant breakdown; investigators are paid only through the medical organisation.",
     "Договор с разбивкой по участникам; исследователям платят только через медицинскую организацию."),
    ("cro", "Contract research organisation services",
     "Услуги контрактной исследовательской организации", True,
     "Project management, monitoring, data management, biostatistics, medical writing, pharmacovigilance.",
     "Управление проектом, мониторинг, управление данными, биостатистика, медицинское письмо, фармаконадзор."),
    ("imp", "Manufacture, packaging, labelling and release of the investigational product",
     "Производство, упаковка, маркировка и выпуск исследуемого препарата", True,
     "Materials and third-party services; own capital investment is not eligible.",
     "Материалы и услуги сторонних организаций; собственные капитальные вложения не возмещаются."),
    ("comp", "Comparator and rescue medication", "Препарат сравнения и препараты неотложной терапии", True,
     "Essential for best-in-class trials.", "Необходим для исследований превосходства (best-in-class)."),
    ("lab", "Central laboratory, imaging and biomarker assays",
     "Центральная лаборатория, визуализация и анализ биомаркеров", True,
     "Clinical laboratory tests.", "Клинико-лабораторные исследования."),
    ("ins", "Mandatory life and health insurance of participants",
     "Обязательное страхование жизни и здоровья пациентов", True,
     "Federal law 61-FZ art. 44.", "Статья 44 Федерального закона № 61-ФЗ."),
    ("reg", "State duty and registration fees", "Государственная пошлина и регистрационные сборы", True,
     "Eligible only where the program allows it.", "Возмещается, только если это допускает программа."),
    ("equip", "Laboratory equipment", "Лабораторное оборудование", True,
     "Per the 2025 draft decree; otherwise depreciation only.",
     "По проекту постановления 2025 года; иначе только амортизация."),
    ("ovh", "Overheads (flat rate)", "Накладные расходы (фиксированная ставка)", True,
     "A flat rate on staff costs where the program allows it.",
     "Фиксированная доля от затрат на оплату труда, если это допускает программа."),
    ("inelig", "Ineligible costs", "Невозмещаемые затраты", False,
     "Capital expenditure, interest and debt, fines, recoverable VAT, dividends, provisions, exchange losses, "
     "entertainment, costs funded from any budget, related-party mark-ups.",
     "Капитальные вложения, проценты и долги, штрафы, возмещаемый НДС, дивиденды, резервы, курсовые разницы, "
     "представительские расходы, затраты, уже профинансированные из бюджета, наценки аффилированных лиц."),
]

PRIORITY_AREAS = [
    ("oncology", "Oncology", "Онкология",
     "Drugs for malignant neoplasms.", "Препараты для лечения злокачественных новообразований."),
    ("vaccines", "Vaccines and immunobiology", "Вакцины и иммунобиологические препараты",
     "Prophylactic and therapeutic vaccines, immunoglobulins and other immunobiological drugs.",
     "Профилактические и терапевтические вакцины, иммуноглобулины и другие иммунобиологические препараты."),
    ("blood_products", "Blood products", "Препараты крови",
     "Drugs derived from donor plasma and their recombinant analogues.",
     "Препараты из донорской плазмы и их рекомбинантные аналоги."),
    ("psychiatry", "Psychiatry", "Психиатрия",
     "Drugs for mental and behavioural disorders.", "Препараты для лечения психических расстройств и расстройств поведения."),
    ("radiopharmaceuticals", "Radiopharmaceuticals", "Радиофармацевтические препараты",
     "Diagnostic and therapeutic radiopharmaceuticals.", "Диагностические и терапевтические радиофармпрепараты."),
    ("hiv", "HIV infection", "ВИЧ-инфекция",
     "Treatment and prevention of HIV infection.", "Лечение и профилактика ВИЧ-инфекции."),
    ("hepatitis", "Viral hepatitis", "Вирусные гепатиты",
     "Treatment of chronic viral hepatitis B, C and D.", "Лечение хронических вирусных гепатитов B, C и D."),
    ("insulins", "Insulins", "Инсулины",
     "Insulins and their analogues for diabetes mellitus.", "Инсулины и их аналоги для лечения сахарного диабета."),
    ("orphan", "Orphan diseases", "Орфанные заболевания",
     "Drugs for rare (orphan) diseases.", "Препараты для лечения редких (орфанных) заболеваний."),
    ("cell_gene_therapy", "Cell and gene therapy", "Клеточная и генная терапия",
     "Advanced therapy medicinal products based on cells or genes.",
     "Высокотехнологичные препараты на основе клеток или генов."),
    ("mrna_cancer_vaccines", "Personalised mRNA cancer vaccines", "Персонализированные мРНК-вакцины против рака",
     "Individual mRNA vaccines against a patient's tumour antigens.",
     "Индивидуальные мРНК-вакцины против опухолевых антигенов пациента."),
]
# fmt: on


def seed_reference_lists(cost_category_model: Any, priority_area_model: Any) -> None:
    if cost_category_model.objects.count() >= len(
        COST_CATEGORIES
    ) and priority_area_model.objects.count() >= len(PRIORITY_AREAS):
        return
    for position, (code, en, ru, eligible, note_en, note_ru) in enumerate(COST_CATEGORIES, start=1):
        cost_category_model.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_ru": ru,
                "is_eligible": eligible,
                "description_en": note_en,
                "description_ru": note_ru,
                "position": position,
            },
        )
    for position, (code, en, ru, note_en, note_ru) in enumerate(PRIORITY_AREAS, start=1):
        priority_area_model.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_ru": ru,
                "description_en": note_en,
                "description_ru": note_ru,
                "position": position,
            },
        )
