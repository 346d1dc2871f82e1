package casegen

var firstNames = []string{
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
	"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
	"Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
	"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
	"Benjamin", "Samuel", "Gregory", "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis", "Jerry",
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
	"Carol", "Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia",
	"Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen",
	"Samantha", "Katherine", "Christine", "Debra", "Rachel", "Carolyn", "Janet", "Catherine", "Maria", "Heather",
	"Giulia", "Matteo", "Lukas", "Sofia", "Mateo", "Hannah", "Noah", "Chloe", "Liam", "Olivia",
	"Yusuf", "Aisha", "Hiroshi", "Mei", "Ananya", "Arjun", "Fatima", "Omar", "Ingrid", "Sven",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
	"Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
	"Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
	"Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
	"Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
	"Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham",
	"Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson",
	"Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens",
	"Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen",
	"Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter",
	"Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks",
	"Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox",
	"Rossi", "Bianchi", "Schneider", "Fischer", "Weber", "Dubois", "Lefebvre", "Novak", "Kowalski", "Nowak",
	"Yamamoto", "Tanaka", "Sato", "Okafor", "Mensah", "Haddad", "Khan", "Singh", "Larsen", "Johansson",
}

var descriptions = []string{
	"CT ABDOMEN PELVIS WITH CONTRAST", "CT RENAL MASS PROTOCOL 4 PHASE", "CT UROGRAM TRIPLE PHASE",
	"PRE-OP PARTIAL NEPHRECTOMY PLANNING", "CTA RENAL ARTERIES", "FOLLOW-UP RENAL CYST BOSNIAK IIF",
	"LAPAROSCOPIC NEPHRECTOMY WORKUP", "ROBOTIC PARTIAL NEPHRECTOMY PLANNING", "CT KIDNEYS MULTIPHASE",
	"INCIDENTAL RENAL LESION CHARACTERISATION", "LIVING DONOR NEPHRECTOMY EVALUATION", "CT ABDOMEN ARTERIAL PORTAL DELAYED",
	"ANGIOMYOLIPOMA SURVEILLANCE", "CHROMOPHOBE CARCINOMA STAGING", "CLEAR CELL CARCINOMA STAGING",
	"POST ABLATION FOLLOW-UP", "HAEMATURIA INVESTIGATION UROGRAPHY", "HORSESHOE KIDNEY ASSESSMENT",
	"PELVIURETERIC JUNCTION OBSTRUCTION", "RENAL TRAUMA ASSESSMENT", "ONCOCYTOMA VERSUS CARCINOMA",
	"VON HIPPEL LINDAU SURVEILLANCE", "TRANSPLANT DONOR ANGIOGRAPHY", "COMPLEX CYST SURGICAL PLANNING",
}

var tags = []string{"left", "right", "bilateral", "research", "teaching", "tumour-board", "second-opinion", "paediatric"}

var notes = []string{
	"tumour at the upper pole, check the segmental artery branches",
	"lower pole lesion abutting the collecting system",
	"two renal arteries on the left, accessory to the lower pole",
	"surgeon asked for the vein reconstruction too",
	"motion artefact in the delayed phase",
	"compare with the previous study before sign-off",
}

var assignees = []string{"Dr Novak", "Dr Okafor", "Dr Lindqvist", "Dr Moreau", "Dr Tanaka", "A. Brennan", "K. Osei"}
